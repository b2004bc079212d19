#include "core/config.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/config_document.hpp"
#include "core/config_limits.hpp"
#include "core/names.hpp"
#include "core/status.hpp"

namespace simingest {

namespace {

// ordered_json keeps streams and columns in the order the document lists them,
// which is the column order of the Parquet files.
using Json = nlohmann::ordered_json;

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();
constexpr std::size_t kMaxGridRank = 8;
constexpr const char* kNameRule = "a name matching [A-Za-z_][A-Za-z0-9_]{0,63}";

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw Error(Status::config, path + ": " + message);
}

std::string join(const std::string& path, std::string_view key) { return config_path_join(path, key); }

// What the document holds, for "expected X but received Y": strings quoted,
// numbers and literals as written, containers by kind (their text could be huge).
std::string describe(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string: return quote_name(j.get_ref<const std::string&>());
    case Json::value_t::object: return j.empty() ? "an empty object" : "an object";
    case Json::value_t::array:
      return j.empty() ? "an empty array" : "an array of " + std::to_string(j.size()) + " elements";
    case Json::value_t::null: return "null";
    default: return j.dump();  // boolean or number
  }
}

[[noreturn]] void expected(const std::string& path, const std::string& what, const Json& got) {
  fail(path, "expected " + what + " but received " + describe(got));
}

const Json* find_key(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

void require_object(const Json& j, const std::string& path, const std::string& what) {
  if (!j.is_object()) expected(path, what, j);
}

void reject_unknown_keys(const Json& object, const std::string& path,
                         std::initializer_list<std::string_view> known) {
  for (const auto& item : object.items()) {
    bool found = false;
    for (std::string_view key : known) found = found || key == item.key();
    if (!found) fail(join(path, item.key()), "unknown key");
  }
}

// Integers may be written as floats with an integral value (1e6, 4096.0): JSON
// does not distinguish them and some generators print every number as a float.
uint64_t read_unsigned(const Json& j, const std::string& path, uint64_t lo, uint64_t hi,
                       const std::string& what) {
  uint64_t value = 0;
  if (j.is_number_unsigned()) {
    value = j.get<uint64_t>();
  } else if (j.is_number_float()) {
    const double d = j.get<double>();
    if (!(d >= 0 && d < 18446744073709551616.0) || std::trunc(d) != d) expected(path, what, j);
    value = static_cast<uint64_t>(d);
  } else {
    expected(path, what, j);  // negative integers land here too
  }
  if (value < lo || value > hi) expected(path, what, j);
  return value;
}

int64_t read_signed(const Json& j, const std::string& path, int64_t lo, int64_t hi,
                    const std::string& what) {
  int64_t value = 0;
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) expected(path, what, j);
    value = static_cast<int64_t>(u);
  } else if (j.is_number_integer()) {
    value = j.get<int64_t>();
  } else if (j.is_number_float()) {
    const double d = j.get<double>();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::trunc(d) != d)
      expected(path, what, j);
    value = static_cast<int64_t>(d);
  } else {
    expected(path, what, j);
  }
  if (value < lo || value > hi) expected(path, what, j);
  return value;
}

template <typename E>
E read_choice(const Json& j, const std::string& path,
              std::initializer_list<std::pair<std::string_view, E>> choices) {
  if (j.is_string()) {
    const auto& text = j.get_ref<const std::string&>();
    for (const auto& choice : choices)
      if (choice.first == text) return choice.second;
  }
  std::string what = "one of";
  bool first = true;
  for (const auto& choice : choices) {
    what += first ? " \"" : ", \"";
    what += choice.first;
    what += '"';
    first = false;
  }
  expected(path, what, j);
}

NonFinitePolicy read_non_finite(const Json& j, const std::string& path) {
  return read_choice<NonFinitePolicy>(
      j, path, {{"allow", NonFinitePolicy::allow}, {"reject", NonFinitePolicy::reject}});
}

Dtype read_dtype(const Json& j, const std::string& path) {
  if (!j.is_string()) expected(path, "a dtype name", j);
  const auto& text = j.get_ref<const std::string&>();
  if (auto dtype = dtype_from_name(text)) return *dtype;
  fail(path, "unknown dtype " + quote_name(text));
}

// `true`, `false` or {fpp, ndv}. Integer columns only: a bloom filter answers
// "is this exact value here", which is a question for ids and counters; on
// floats equality lookups are rare and -0/+0 and NaN payloads would hash apart.
BloomFilterChoice parse_bloom_filter(const Json& j, const std::string& path, Dtype dtype) {
  BloomFilterChoice bloom;
  if (j.is_boolean()) {
    bloom.enabled = j.get<bool>();
  } else if (j.is_object()) {
    reject_unknown_keys(j, path, {"fpp", "ndv"});
    bloom.enabled = true;
    if (const Json* fpp = find_key(j, "fpp")) {
      if (!fpp->is_number() || !(fpp->get<double>() > 0) || !(fpp->get<double>() < 1))
        expected(join(path, "fpp"), "a number between 0 and 1 (exclusive)", *fpp);
      bloom.fpp = fpp->get<double>();
    }
    if (const Json* ndv = find_key(j, "ndv"))
      bloom.ndv = read_unsigned(*ndv, join(path, "ndv"), 1, uint64_t{1} << 40, "an integer from 1 to 2^40");
  } else {
    expected(path, "true, false or an object with \"fpp\" and/or \"ndv\"", j);
  }
  if (bloom.enabled && dtype_is_float(dtype))
    fail(path, "bloom filters apply to integer columns only, not " + std::string(dtype_name(dtype)));
  return bloom;
}

// A string of at most `max_bytes` bytes (UTF-8, as the JSON parser checked).
std::string read_text(const Json& j, const std::string& path, std::size_t max_bytes) {
  const std::string what = "a string of at most " + std::to_string(max_bytes) + " bytes";
  if (!j.is_string()) expected(path, what, j);
  const auto& text = j.get_ref<const std::string&>();
  if (text.size() > max_bytes) fail(path, "expected " + what + " but received " + std::to_string(text.size()) + " bytes");
  return text;
}

// Any JSON object (solver, version, parameters), kept as compact JSON with
// keys sorted at every level: the schema compares as text on reopen, and the
// order of keys carries no meaning. {} is the same as none.
std::string read_stream_metadata(const Json& j, const std::string& path) {
  if (!j.is_object()) expected(path, "an object", j);
  if (j.empty()) return {};
  std::string text = nlohmann::json::parse(j.dump()).dump();  // nlohmann::json sorts keys
  if (text.size() > kMaxStreamMetadataBytes)
    fail(path, "expected an object of at most " + std::to_string(kMaxStreamMetadataBytes) +
                   " bytes as compact JSON but received " + std::to_string(text.size()) + " bytes");
  return text;
}

// {mantissaBits: n} | {relError: r} | {absError: e}: exactly one mode, on a
// float column. The bits a float keeps are at most its explicit mantissa.
QuantizeChoice parse_quantize(const Json& j, const std::string& path, Dtype dtype) {
  if (!dtype_is_float(dtype))
    fail(path, "quantize applies to float columns only, not " + std::string(dtype_name(dtype)));
  const char* modes = "an object with exactly one of \"mantissaBits\", \"relError\" or \"absError\"";
  if (!j.is_object()) expected(path, modes, j);
  reject_unknown_keys(j, path, {"mantissaBits", "relError", "absError"});
  if (j.size() != 1) expected(path, modes, j);
  QuantizeChoice quantize;
  if (const Json* bits = find_key(j, "mantissaBits")) {
    const int most = dtype == Dtype::float32 ? 23 : 52;
    quantize.mode = QuantizeChoice::Mode::mantissa_bits;
    quantize.mantissa_bits = static_cast<int>(read_unsigned(
        *bits, join(path, "mantissaBits"), 1, static_cast<uint64_t>(most),
        "an integer from 1 to " + std::to_string(most) + " (the explicit mantissa bits of " +
            std::string(dtype_name(dtype)) + ")"));
    return quantize;
  }
  const bool relative = find_key(j, "relError") != nullptr;
  const char* key = relative ? "relError" : "absError";
  const Json& value = *find_key(j, key);
  if (!value.is_number() || !(value.get<double>() > 0) || !std::isfinite(value.get<double>()))
    expected(join(path, key), "a finite number > 0", value);
  quantize.mode = relative ? QuantizeChoice::Mode::rel_error : QuantizeChoice::Mode::abs_error;
  quantize.error = value.get<double>();
  return quantize;
}

ColumnConfig parse_column(const std::string& name, const Json& j, const std::string& path,
                          NonFinitePolicy stream_non_finite) {
  ColumnConfig column;
  column.name = name;
  column.non_finite = stream_non_finite;
  if (j.is_string()) {
    column.dtype = read_dtype(j, path);
    return column;
  }
  if (!j.is_object()) expected(path, "a dtype name or an object", j);
  reject_unknown_keys(j, path, {"dtype", "nonFinite", "encoding", "bloomFilter", "unit", "description",
                                "quantize"});
  const Json* dtype = find_key(j, "dtype");
  if (!dtype) fail(join(path, "dtype"), "required but missing");
  column.dtype = read_dtype(*dtype, join(path, "dtype"));
  if (const Json* non_finite = find_key(j, "nonFinite"))
    column.non_finite = read_non_finite(*non_finite, join(path, "nonFinite"));
  if (const Json* encoding = find_key(j, "encoding")) {
    const std::string encoding_path = join(path, "encoding");
    column.encoding = read_choice<ColumnEncoding>(
        *encoding, encoding_path,
        {{"auto", ColumnEncoding::automatic},
         {"plain", ColumnEncoding::plain},
         {"byteStreamSplit", ColumnEncoding::byte_stream_split},
         {"delta", ColumnEncoding::delta_binary_packed}});
    const std::string dtype_text(dtype_name(column.dtype));
    if (column.encoding == ColumnEncoding::byte_stream_split && !dtype_is_float(column.dtype))
      fail(encoding_path, "\"byteStreamSplit\" applies to float columns only, not " + dtype_text);
    if (column.encoding == ColumnEncoding::delta_binary_packed && dtype_is_float(column.dtype))
      fail(encoding_path, "\"delta\" applies to integer columns only, not " + dtype_text);
  }
  if (const Json* bloom = find_key(j, "bloomFilter"))
    column.bloom_filter = parse_bloom_filter(*bloom, join(path, "bloomFilter"), column.dtype);
  if (const Json* unit = find_key(j, "unit")) column.unit = read_text(*unit, join(path, "unit"), kMaxUnitBytes);
  if (const Json* text = find_key(j, "description"))
    column.description = read_text(*text, join(path, "description"), kMaxDescriptionBytes);
  if (const Json* quantize = find_key(j, "quantize"))
    column.quantize = parse_quantize(*quantize, join(path, "quantize"), column.dtype);
  return column;
}

std::vector<int64_t> parse_grid(const Json& j, const std::string& path) {
  if (!j.is_array() || j.empty() || j.size() > kMaxGridRank)
    expected(path, "an array of 1 to 8 extents", j);
  std::vector<int64_t> grid;
  uint64_t cells = 1;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const uint64_t extent = read_unsigned(j[i], path + "[" + std::to_string(i) + "]", 1,
                                          kMaxGridCells - 1, "a positive integer below 2^40");
    // cells * extent < 2^40, written so that it cannot overflow.
    if (extent > (kMaxGridCells - 1) / cells)
      fail(path, "expected fewer than 2^40 cells but received " + j.dump());
    cells *= extent;
    grid.push_back(static_cast<int64_t>(extent));
  }
  return grid;
}

PartitionConfig parse_partition(const Json& j, const std::string& path) {
  require_object(j, path, "an object with \"steps\" or \"time\"");
  reject_unknown_keys(j, path, {"steps", "time"});
  if (j.size() != 1)
    fail(path, "expected exactly one of \"steps\" or \"time\" but received " +
                   (j.empty() ? std::string("neither") : std::string("both")));
  PartitionConfig partition;
  if (const Json* steps = find_key(j, "steps")) {
    partition.kind = PartitionConfig::Kind::steps;
    partition.steps = read_signed(*steps, join(path, "steps"), 1,
                                  std::numeric_limits<int64_t>::max(), "a positive integer");
  } else {
    const Json& time = j.at("time");
    if (!time.is_number() || !(time.get<double>() > 0) || !std::isfinite(time.get<double>()))
      expected(join(path, "time"), "a positive number", time);
    partition.kind = PartitionConfig::Kind::time;
    partition.time_span = time.get<double>();
  }
  return partition;
}

RealtimeConfig parse_realtime(const Json& j, const std::string& path) {
  require_object(j, path, "an object");
  reject_unknown_keys(j, path, {"everySteps", "syncEveryMs", "syncEveryFrames", "codec", "compact"});
  RealtimeConfig realtime;
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (const Json* value = find_key(j, "everySteps"))
    realtime.every_steps = read_signed(*value, join(path, "everySteps"), 1, kMax, "an integer from 1 to 2147483647");
  if (const Json* value = find_key(j, "syncEveryMs"))
    realtime.sync_every_ms =
        read_signed(*value, join(path, "syncEveryMs"), 0, 3600000, "an integer from 0 to 3600000 (ms)");
  if (const Json* value = find_key(j, "syncEveryFrames"))
    realtime.sync_every_frames =
        read_signed(*value, join(path, "syncEveryFrames"), 1, kMax, "an integer from 1 to 2147483647");
  if (const Json* value = find_key(j, "codec"))
    realtime.codec = read_choice<AvroCodec>(
        *value, join(path, "codec"),
        {{"null", AvroCodec::null}, {"deflate", AvroCodec::deflate}, {"zstandard", AvroCodec::zstandard}});
  if (const Json* value = find_key(j, "compact")) {
    if (!value->is_boolean()) expected(join(path, "compact"), "true or false", *value);
    realtime.compact = value->get<bool>();
  }
  return realtime;
}

// The route and the realtime settings, checked against each other and the
// columns: Avro has no unsigned 64-bit type, so such a column cannot take
// the realtime path.
void parse_route(const Json& j, const std::string& path, StreamConfig& stream) {
  if (const Json* route = find_key(j, "route"))
    stream.route = read_choice<StreamRoute>(
        *route, join(path, "route"),
        {{"batch", StreamRoute::batch}, {"realtime", StreamRoute::realtime}, {"both", StreamRoute::both}});
  const Json* realtime = find_key(j, "realtime");
  if (realtime) stream.realtime = parse_realtime(*realtime, join(path, "realtime"));
  if (realtime && stream.route == StreamRoute::batch)
    fail(join(path, "realtime"), "applies to route \"realtime\" or \"both\" only");
  if (realtime && stream.route == StreamRoute::realtime && find_key(*realtime, "everySteps"))
    fail(join(join(path, "realtime"), "everySteps"), "applies to route \"both\" only");
  if (realtime && stream.route == StreamRoute::both && find_key(*realtime, "compact"))
    fail(join(join(path, "realtime"), "compact"), "applies to route \"realtime\" only (\"both\" writes Parquet already)");
  if (stream.route == StreamRoute::batch) return;
  for (const ColumnConfig& column : stream.columns)
    if (column.dtype == Dtype::uint64)
      fail(join(join(path, "columns"), column.name),
           "uint64 cannot take the realtime path (Avro has no unsigned 64-bit type)");
}

// Milliseconds, 0 for never; bounded like Node's setTimeout, so every host can
// represent it.
int64_t read_commit_interval(const Json& j, const std::string& path) {
  return read_signed(j, path, 0, 2147483647, "an integer from 0 (never) to 2147483647 milliseconds");
}

// A row appender's hand-off (ADR 0021). The row bound keeps one appender's
// buffer (rows x row bytes) well inside any sensible memory budget.
AppenderConfig parse_appender(const Json& j, const std::string& path) {
  require_object(j, path, "an object");
  reject_unknown_keys(j, path, {"rows", "intervalMs"});
  AppenderConfig appender;
  if (const Json* rows = find_key(j, "rows"))
    appender.rows = read_signed(*rows, join(path, "rows"), 1, 16777216, "an integer from 1 to 16777216");
  if (const Json* interval = find_key(j, "intervalMs"))
    appender.interval_ms = read_commit_interval(*interval, join(path, "intervalMs"));
  return appender;
}

StreamConfig parse_stream(const std::string& name, const Json& j, const std::string& path) {
  require_object(j, path, "an object");
  reject_unknown_keys(j, path, {"columns", "grid", "block", "partition", "nonFinite", "route", "realtime",
                                "metadata", "commitIntervalMs", "appender"});
  StreamConfig stream;
  stream.name = name;

  // The stream's default applies to every column wherever it appears in the object.
  NonFinitePolicy non_finite = NonFinitePolicy::allow;
  if (const Json* value = find_key(j, "nonFinite"))
    non_finite = read_non_finite(*value, join(path, "nonFinite"));

  const std::string columns_path = join(path, "columns");
  const Json* columns = find_key(j, "columns");
  if (!columns) fail(columns_path, "required but missing");
  require_object(*columns, columns_path, "an object of columns");
  if (columns->empty()) expected(columns_path, "at least one column", *columns);
  check_config_count(columns_path, columns->size(), kMaxColumnsPerStream, "columns");
  for (const auto& item : columns->items()) {
    const std::string& column_name = item.key();
    if (!is_valid_name(column_name)) expected(columns_path, kNameRule, Json(column_name));
    if (is_reserved_column_name(column_name))
      fail(join(columns_path, column_name),
           "reserved: every stream has its own \"step\" and \"time\" columns");
    stream.columns.push_back(
        parse_column(column_name, item.value(), join(columns_path, column_name), non_finite));
  }

  if (const Json* grid = find_key(j, "grid")) stream.grid = parse_grid(*grid, join(path, "grid"));
  if (const Json* block = find_key(j, "block")) {
    stream.block = parse_grid_block(*block, join(path, "block"), stream.grid);
    stream.decomposed = true;
    for (const ColumnConfig& column : stream.columns)
      if (column.name == kCellColumn)
        fail(join(columns_path, kCellColumn), "reserved: a stream with a block stores each row's global cell index in it");
  }
  if (const Json* partition = find_key(j, "partition"))
    stream.partition = parse_partition(*partition, join(path, "partition"));
  parse_route(j, path, stream);
  // The realtime log and its compaction write no `cell` column.
  if (stream.block && stream.route != StreamRoute::batch)
    fail(join(path, "block"), "applies to route \"batch\" only");
  if (const Json* metadata = find_key(j, "metadata"))
    stream.metadata_json = read_stream_metadata(*metadata, join(path, "metadata"));
  if (const Json* interval = find_key(j, "commitIntervalMs"))
    stream.commit_interval_ms = read_commit_interval(*interval, join(path, "commitIntervalMs"));
  if (const Json* appender = find_key(j, "appender"))
    stream.appender = parse_appender(*appender, join(path, "appender"));
  return stream;
}

CompressionConfig parse_compression(const Json& j, const std::string& path) {
  require_object(j, path, "an object");
  reject_unknown_keys(j, path, {"codec", "level"});
  CompressionConfig compression;
  if (const Json* codec = find_key(j, "codec"))
    compression.codec = read_choice<Codec>(*codec, join(path, "codec"),
                                           {{"zstd", Codec::zstd}, {"none", Codec::none}});
  if (const Json* level = find_key(j, "level")) {
    if (compression.codec != Codec::zstd)
      fail(join(path, "level"), "applies to codec \"zstd\" only");
    compression.level = static_cast<int>(
        read_signed(*level, join(path, "level"), -7, 19, "an integer from -7 to 19"));
  }
  return compression;
}

// {"id": <0..count-1>, "count": <1..kMaxWriters>}; id is checked against
// count here so that every host gets the same message.
WriterConfig parse_writer(const Json& j, const std::string& path) {
  require_object(j, path, "an object {\"id\", \"count\"}");
  reject_unknown_keys(j, path, {"id", "count"});
  const Json* id = find_key(j, "id");
  const Json* count = find_key(j, "count");
  if (!count) fail(join(path, "count"), "required but missing");
  if (!id) fail(join(path, "id"), "required but missing");
  WriterConfig writer;
  writer.count = static_cast<uint32_t>(read_unsigned(*count, join(path, "count"), 1, kMaxWriters,
                                                     "an integer from 1 to " + std::to_string(kMaxWriters)));
  writer.id = static_cast<uint32_t>(read_unsigned(*id, join(path, "id"), 0, writer.count - 1,
                                                  "an integer from 0 to " + std::to_string(writer.count - 1) +
                                                      " (writer.count is " + std::to_string(writer.count) + ")"));
  return writer;
}

BackpressureConfig parse_backpressure(const Json& j, const std::string& path) {
  const std::initializer_list<std::pair<std::string_view, BackpressurePolicy>> policies = {
      {"block", BackpressurePolicy::block},
      {"error", BackpressurePolicy::error},
      {"drop", BackpressurePolicy::drop}};
  BackpressureConfig backpressure;
  if (j.is_string()) {
    backpressure.policy = read_choice<BackpressurePolicy>(j, path, policies);
    return backpressure;
  }
  if (!j.is_object()) expected(path, "one of \"block\", \"error\", \"drop\" or an object", j);
  reject_unknown_keys(j, path, {"policy", "timeoutMs"});
  if (const Json* policy = find_key(j, "policy"))
    backpressure.policy = read_choice<BackpressurePolicy>(*policy, join(path, "policy"), policies);
  if (const Json* timeout = find_key(j, "timeoutMs")) {
    if (backpressure.policy != BackpressurePolicy::block)
      fail(join(path, "timeoutMs"), "applies to policy \"block\" only");
    // The bound of Node's setTimeout; -1 waits forever.
    backpressure.timeout_ms = read_signed(*timeout, join(path, "timeoutMs"), -1, 2147483647,
                                          "an integer from -1 to 2147483647");
  }
  return backpressure;
}

// Linux numbers CPUs below NR_CPUS (8192 at most today); the bound keeps a
// typo from reaching the kernel as a huge cpu_set_t.
constexpr uint64_t kMaxCpuId = (uint64_t{1} << 20) - 1;

AffinityConfig parse_affinity(const Json& j, const std::string& path) {
  AffinityConfig affinity;
  if (j.is_array() && !j.empty()) {
    affinity.kind = AffinityConfig::Kind::cpus;
    for (std::size_t i = 0; i < j.size(); ++i)
      affinity.cpus.push_back(static_cast<int>(read_unsigned(
          j[i], path + "[" + std::to_string(i) + "]", 0, kMaxCpuId, "a CPU id (an integer from 0 to 1048575)")));
    return affinity;
  }
  if (j.is_string()) {
    const auto& text = j.get_ref<const std::string&>();
    if (text == "none") return affinity;
    if (text == "numa") {
      affinity.kind = AffinityConfig::Kind::numa;
      return affinity;
    }
  }
  expected(path, "\"none\", \"numa\" or a non-empty array of CPU ids", j);
}

// Bytes of parser messages may come from the document ("last read: '…'").
}  // namespace

const StreamConfig* Config::find_stream(std::string_view name) const noexcept {
  for (const StreamConfig& stream : streams)
    if (stream.name == name) return &stream;
  return nullptr;
}

Config parse_config(std::string_view json_text) {
  const Json doc = parse_config_document(json_text);
  if (!doc.is_object()) expected("config", "an object", doc);
  reject_unknown_keys(doc, "",
                      {"streams", "compression", "rowGroupBytes", "pageBytes", "fileBytes",
                       "memoryLimit", "queryMemoryLimit", "workers", "backpressure", "affinity",
                       "resumeFromStep", "verifyOnOpen", "durability", "commitIntervalMs", "schemaEvolution", "writer"});
  Config config;

  const Json* streams = find_key(doc, "streams");
  if (!streams) fail("streams", "required but missing");
  require_object(*streams, "streams", "an object of streams");
  if (streams->empty()) expected("streams", "at least one stream", *streams);
  check_config_count("streams", streams->size(), kMaxStreams, "streams");
  for (const auto& item : streams->items()) {
    if (!is_valid_name(item.key())) expected("streams", kNameRule, Json(item.key()));
    if (item.key() == "_realtime") fail("streams._realtime", "reserved: the realtime log's directory");
    config.streams.push_back(parse_stream(item.key(), item.value(), join("streams", item.key())));
  }

  if (const Json* compression = find_key(doc, "compression"))
    config.compression = parse_compression(*compression, "compression");
  if (const Json* value = find_key(doc, "rowGroupBytes"))
    config.row_group_bytes =
        read_unsigned(*value, "rowGroupBytes", 4096, kUnlimited, "an integer >= 4096");
  if (const Json* value = find_key(doc, "pageBytes"))
    config.page_bytes = read_unsigned(*value, "pageBytes", 4096, uint64_t{64} << 20,
                                      "an integer from 4096 to 67108864");
  if (const Json* value = find_key(doc, "fileBytes"))
    config.file_bytes =
        read_unsigned(*value, "fileBytes", uint64_t{1} << 20, kUnlimited, "an integer >= 1048576");
  if (const Json* value = find_key(doc, "memoryLimit"))
    config.memory_limit = read_unsigned(*value, "memoryLimit", uint64_t{1} << 20, kUnlimited,
                                        "an integer >= 1048576");
  if (const Json* value = find_key(doc, "queryMemoryLimit"))
    config.query_memory_limit = read_unsigned(*value, "queryMemoryLimit", uint64_t{1} << 20, kUnlimited,
                                              "an integer >= 1048576");
  if (const Json* value = find_key(doc, "workers"))
    config.workers =
        static_cast<unsigned>(read_unsigned(*value, "workers", 1, 256, "an integer from 1 to 256"));
  if (const Json* value = find_key(doc, "backpressure"))
    config.backpressure = parse_backpressure(*value, "backpressure");
  if (const Json* value = find_key(doc, "affinity")) config.affinity = parse_affinity(*value, "affinity");
  if (const Json* value = find_key(doc, "resumeFromStep"))
    config.resume_from_step = read_signed(*value, "resumeFromStep", std::numeric_limits<int64_t>::min(),
                                          std::numeric_limits<int64_t>::max(), "an integer (a step)");
  if (const Json* value = find_key(doc, "commitIntervalMs"))
    config.commit_interval_ms = read_commit_interval(*value, "commitIntervalMs");
  if (const Json* value = find_key(doc, "verifyOnOpen")) {
    if (!value->is_string()) expected("verifyOnOpen", "\"footer\" or \"full\"", *value);
    const std::string text = value->get<std::string>();
    if (text == "footer") config.verify_on_open = VerifyMode::footer;
    else if (text == "full") config.verify_on_open = VerifyMode::full;
    else expected("verifyOnOpen", "\"footer\" or \"full\"", *value);
  }
  if (const Json* value = find_key(doc, "durability"))
    config.durability = read_choice<Durability>(
        *value, "durability",
        {{"ack-after-accept", Durability::ack_after_accept}, {"ack-after-fsync", Durability::ack_after_fsync}});
  if (const Json* value = find_key(doc, "writer")) {
    config.writer = parse_writer(*value, "writer");
    // A shared dataset's readers union the writers' manifests; merging their
    // realtime logs as well is not built yet (docs/adr/0020-shared-datasets.md).
    for (const StreamConfig& stream : config.streams)
      if (stream.route != StreamRoute::batch)
        fail(join(join("streams", stream.name), "route"),
             "only \"batch\" is supported in a shared dataset (writer is set)");
  }
  if (const Json* value = find_key(doc, "schemaEvolution"))
    config.schema_evolution = read_choice<SchemaEvolution>(
        *value, "schemaEvolution", {{"strict", SchemaEvolution::strict}, {"additive", SchemaEvolution::additive}});
  return config;
}

std::string stream_schema_json(const StreamConfig& stream) {
  // Built by hand so the text is fixed by this function alone: it is compared
  // byte for byte with what earlier runs stored.
  std::string out = "{\"columns\":[";
  for (std::size_t i = 0; i < stream.columns.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":";
    out += Json(stream.columns[i].name).dump();
    out += ",\"dtype\":\"";
    out += dtype_name(stream.columns[i].dtype);
    out += '"';
    if (!stream.columns[i].unit.empty()) out += ",\"unit\":" + Json(stream.columns[i].unit).dump();
    if (!stream.columns[i].description.empty())
      out += ",\"description\":" + Json(stream.columns[i].description).dump();
    out += '}';
  }
  out += "],\"grid\":[";
  for (std::size_t i = 0; i < stream.grid.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(stream.grid[i]);
  }
  out += ']';
  if (stream.decomposed) out += ",\"blocks\":true";
  out += ",\"partition\":";
  switch (stream.partition.kind) {
    case PartitionConfig::Kind::none: out += "{}"; break;
    case PartitionConfig::Kind::steps:
      out += "{\"steps\":" + std::to_string(stream.partition.steps) + "}";
      break;
    case PartitionConfig::Kind::time:
      // nlohmann prints the shortest text that reads back as the same double.
      out += "{\"time\":" + Json(stream.partition.time_span).dump() + "}";
      break;
  }
  if (!stream.metadata_json.empty()) out += ",\"metadata\":" + stream.metadata_json;
  out += '}';
  return out;
}

}  // namespace simingest
