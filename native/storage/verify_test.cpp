// Corrupt committed files and manifest copies (issue 6, test 4): truncation,
// zeroed ranges and single bit flips give Error(corrupt) naming the file on
// open, only that file is quarantined, the others stay listed and intact,
// and the next open succeeds. The datasets are real ones written by the
// engine, so the offsets hit real page headers, pages and footers.
#include "storage/verify.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "storage/dataset.hpp"
#include "storage/manifest_store.hpp"
#include "support/crc32c_reference.hpp"
#include "support/parquet_framed.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::storage {
namespace {

namespace fs = std::filesystem;
using testing_support::exists;
using testing_support::read_text_file;
using testing_support::ScratchDirectory;
using testing_support::write_text_file;

// Small pages and row groups, so a file holds several of each.
const char* kConfig =
    R"({"streams":{"f":{"columns":{"v":"float64","n":"int32"}}},"rowGroupBytes":8192,"pageBytes":4096,"workers":1})";

// Three committed files of four frames each, written by the engine.
void write_dataset(const std::string& root) {
  auto engine = Engine::open(root, kConfig);
  std::vector<double> v(700);
  std::vector<int32_t> n(700);
  std::string message;
  std::mt19937_64 random(5);  // values that do not compress away: pages of real size
  int64_t step = 0;
  for (int file = 0; file < 3; ++file) {
    for (int frame = 0; frame < 4; ++frame, ++step) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        v[i] = static_cast<double>(random() % 1000000) * 0.001;
        n[i] = static_cast<int32_t>(random() % 100000);
      }
      simingest_column columns[2] = {{"v", SIMINGEST_FLOAT64, v.data(), v.size()},
                                     {"n", SIMINGEST_INT32, n.data(), n.size()}};
      ASSERT_EQ(engine->ingest("f", step, 0.1 * static_cast<double>(step), columns, 2, false, message), Status::ok)
          << message;
    }
    engine->flush();  // commits the file in progress
  }
  engine->close();
}

void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

// A fresh copy of the pristine dataset per trial.
class CorruptFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pristine_ = new ScratchDirectory();
    write_dataset(pristine_->path());
    auto dataset = Dataset::open(pristine_->path());
    files_ = new std::vector<ManifestFile>(dataset->files());
  }
  static void TearDownTestSuite() {
    delete pristine_;
    delete files_;
    pristine_ = nullptr;
    files_ = nullptr;
  }

  // A copy of the pristine dataset in a new scratch directory.
  std::string fresh_copy() {
    trials_.push_back(std::make_unique<ScratchDirectory>());
    const std::string root = trials_.back()->path() + "/ds";
    fs::copy(pristine_->path(), root, fs::copy_options::recursive);
    return root;
  }

  const ManifestFile& victim() const { return (*files_)[1]; }
  std::string victim_bytes() const { return read_text_file(pristine_->path() + "/" + victim().path); }

  // Opens `root` expecting Error(corrupt) that names `relative_path`; returns the message.
  static std::string expect_corrupt_open(const std::string& root, const std::string& relative_path, bool full) {
    OpenOptions options;
    options.verify_full = full;
    try {
      Dataset::open(root, options);
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::corrupt) << e.what();
      EXPECT_NE(std::string(e.what()).find(relative_path), std::string::npos) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "open did not fail";
    return "";
  }

  // After a failed open: the victim is in the quarantine with the damaged
  // bytes, every other file is listed and byte-identical to the pristine
  // one, and a second open succeeds and quarantines nothing new.
  void expect_only_victim_quarantined(const std::string& root, const std::string& damaged, bool full) {
    const std::string moved = root + "/_simingest/quarantine/" + victim().path;
    EXPECT_FALSE(exists(root + "/" + victim().path));
    ASSERT_TRUE(exists(moved));
    EXPECT_TRUE(read_text_file(moved) == damaged);
    OpenOptions options;
    options.verify_full = full;
    auto dataset = Dataset::open(root, options);
    EXPECT_TRUE(dataset->recovery().quarantined.empty());
    ASSERT_EQ(dataset->files().size(), files_->size() - 1);
    for (const ManifestFile& file : dataset->files()) {
      EXPECT_NE(file.path, victim().path);
      EXPECT_TRUE(read_text_file(root + "/" + file.path) == read_text_file(pristine_->path() + "/" + file.path))
          << file.path;
    }
    const nlohmann::json manifest = nlohmann::json::parse(read_text_file(root + "/_simingest/manifest.json"));
    ASSERT_EQ(manifest["quarantined"].size(), 1u);
    EXPECT_EQ(manifest["quarantined"][0]["path"], victim().path);
    EXPECT_EQ(manifest["quarantined"][0]["movedTo"], "_simingest/quarantine/" + victim().path);
    EXPECT_EQ(manifest["quarantined"][0]["framesLost"], victim().frames);
  }

  // Damages the victim with `damage`, checks the open and the aftermath.
  template <typename Damage>
  std::string run_trial(Damage damage, bool full) {
    const std::string root = fresh_copy();
    std::string bytes = victim_bytes();
    damage(bytes);
    overwrite(root + "/" + victim().path, bytes);
    const std::string message = expect_corrupt_open(root, victim().path, full);
    expect_only_victim_quarantined(root, bytes, full);
    return message;
  }

  static ScratchDirectory* pristine_;
  static std::vector<ManifestFile>* files_;
  std::vector<std::unique_ptr<ScratchDirectory>> trials_;
};

ScratchDirectory* CorruptFiles::pristine_ = nullptr;
std::vector<ManifestFile>* CorruptFiles::files_ = nullptr;

TEST_F(CorruptFiles, committed_files_carry_checksums_that_match_their_bytes) {
  ASSERT_EQ(files_->size(), 3u);
  for (const ManifestFile& file : *files_) {
    ASSERT_TRUE(file.checksums.has_value()) << file.path;
    const std::string bytes = read_text_file(pristine_->path() + "/" + file.path);
    EXPECT_EQ(file.checksums->crc32c, testing_support::reference_crc32c(bytes));
    ASSERT_LT(file.checksums->footer_bytes, bytes.size());
    const std::string footer = bytes.substr(bytes.size() - file.checksums->footer_bytes);
    EXPECT_EQ(file.checksums->footer_crc32c, testing_support::reference_crc32c(footer));
    // The footer's own length field says the same.
    const auto* tail = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 8);
    const uint64_t length = tail[0] | tail[1] << 8 | tail[2] << 16 | uint64_t{tail[3]} << 24;
    EXPECT_EQ(file.checksums->footer_bytes, length + 8);
    EXPECT_GT(file.row_groups, 1);  // several row groups: page headers all over the file
    EXPECT_GT(bytes.size(), 20000u);
  }
}

TEST_F(CorruptFiles, truncation_to_any_length_is_named_with_both_sizes) {
  const uint64_t size = victim().bytes;
  for (uint64_t keep : {uint64_t{0}, uint64_t{3}, uint64_t{4}, uint64_t{11}, size / 2, size - 8, size - 1}) {
    const std::string message = run_trial([&](std::string& bytes) { bytes.resize(keep); }, false);
    EXPECT_NE(message.find("truncated: " + std::to_string(keep) + " of " + std::to_string(size) + " bytes"),
              std::string::npos)
        << message;
  }
}

TEST_F(CorruptFiles, a_file_that_grew_is_quarantined) {
  const std::string message = run_trial([](std::string& bytes) { bytes += "appended"; }, false);
  EXPECT_NE(message.find("grew: " + std::to_string(victim().bytes + 8) + " bytes"), std::string::npos) << message;
}

TEST_F(CorruptFiles, zeroed_ranges_are_found_by_the_check_that_covers_them) {
  const uint64_t size = victim().bytes;
  const uint64_t footer = victim().checksums->footer_bytes;
  struct Case {
    uint64_t from, length;
    bool full;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {0, size, false, "leading magic is not PAR1"},
      {0, 4, false, "leading magic is not PAR1"},
      {size - 4, 4, false, "trailing magic is not PAR1"},
      {size - 8, 4, false, "footer length 0 out of bounds"},
      {size - footer, 16, false, "footer CRC-32C mismatch"},
      {size / 2, size / 8, true, "CRC-32C mismatch (file "},
      {4, 64, true, "CRC-32C mismatch (file "},  // the first page header
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.from) + "+" + std::to_string(c.length));
    const std::string message = run_trial(
        [&](std::string& bytes) {
          for (uint64_t i = c.from; i < c.from + c.length; ++i) bytes[i] = '\0';
        },
        c.full);
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
  }
}

TEST_F(CorruptFiles, single_bit_flips_in_magic_and_footer_fail_the_footer_check) {
  const uint64_t size = victim().bytes;
  const uint64_t footer = victim().checksums->footer_bytes;
  std::vector<uint64_t> offsets = {0, 1, 2, 3, size - 1, size - 4, size - 5, size - 8};
  for (uint64_t at = size - footer; at < size - 8; at += footer / 24 + 1) offsets.push_back(at);
  int bit = 0;
  for (uint64_t at : offsets) {
    const int this_bit = bit++ % 8;
    SCOPED_TRACE("offset " + std::to_string(at) + " bit " + std::to_string(this_bit));
    run_trial([&](std::string& bytes) { bytes[at] = static_cast<char>(bytes[at] ^ (1 << this_bit)); }, false);
  }
}

TEST_F(CorruptFiles, single_bit_flips_anywhere_fail_the_full_check) {
  const uint64_t size = victim().bytes;
  // Offsets over the whole file: magic, page headers, pages, column
  // indexes, footer.
  std::mt19937_64 random(17);
  for (int trial = 0; trial < 48; ++trial) {
    const uint64_t at = trial * size / 48 + random() % (size / 48);
    const int bit = static_cast<int>(random() % 8);
    SCOPED_TRACE("offset " + std::to_string(at) + " bit " + std::to_string(bit));
    run_trial([&](std::string& bytes) { bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit)); }, true);
  }
}

TEST_F(CorruptFiles, a_flip_in_a_data_page_passes_the_footer_check_and_fails_the_full_one) {
  const std::string root = fresh_copy();
  std::string bytes = victim_bytes();
  bytes[bytes.size() / 3] = static_cast<char>(bytes[bytes.size() / 3] ^ 0x10);
  overwrite(root + "/" + victim().path, bytes);
  { EXPECT_TRUE(Dataset::open(root)->recovery().quarantined.empty()); }
  const std::string message = expect_corrupt_open(root, victim().path, true);
  EXPECT_NE(message.find("CRC-32C mismatch"), std::string::npos) << message;
  expect_only_victim_quarantined(root, bytes, true);
}

TEST_F(CorruptFiles, the_error_names_file_reason_destination_and_frames_lost) {
  const std::string message = run_trial([](std::string& bytes) { bytes.resize(100); }, false);
  EXPECT_NE(message.find(victim().path + ": truncated: 100 of " + std::to_string(victim().bytes) +
                         " bytes, moved to _simingest/quarantine/" + victim().path + " (" +
                         std::to_string(victim().frames) + " frames lost)"),
            std::string::npos)
      << message;
}

TEST_F(CorruptFiles, the_report_of_the_failing_open_is_what_the_manifest_keeps) {
  const std::string root = fresh_copy();
  overwrite(root + "/" + victim().path, "short");
  expect_corrupt_open(root, victim().path, false);
  Manifest manifest = load_manifest_copies(root).manifest.value();
  ASSERT_EQ(manifest.quarantined.size(), 1u);
  EXPECT_EQ(manifest.quarantined[0].reason, "truncated: 5 of " + std::to_string(victim().bytes) + " bytes");
  // A later corruption is added to the list, which keeps the first.
  overwrite(root + "/" + (*files_)[0].path, "");
  expect_corrupt_open(root, (*files_)[0].path, false);
  auto dataset = Dataset::open(root);
  manifest = load_manifest_copies(root).manifest.value();
  ASSERT_EQ(manifest.quarantined.size(), 2u);
  EXPECT_EQ(manifest.quarantined[0].path, victim().path);
  EXPECT_EQ(manifest.quarantined[1].path, (*files_)[0].path);
  EXPECT_EQ(dataset->files().size(), 1u);
}

TEST_F(CorruptFiles, two_corrupt_files_are_both_named_and_both_quarantined) {
  const std::string root = fresh_copy();
  overwrite(root + "/" + (*files_)[0].path, "");
  overwrite(root + "/" + (*files_)[2].path, "x");
  const std::string message = expect_corrupt_open(root, (*files_)[0].path, false);
  EXPECT_NE(message.find((*files_)[2].path), std::string::npos) << message;
  EXPECT_NE(message.find("2 corrupt files quarantined"), std::string::npos) << message;
  auto dataset = Dataset::open(root);
  ASSERT_EQ(dataset->files().size(), 1u);
  EXPECT_EQ(dataset->files()[0].path, (*files_)[1].path);
}

// Any bytes at all in place of a committed file, with the manifest's size
// made to match: the check answers (pass or a reason), it never crashes or
// reads out of bounds (run under ASan too).
TEST_F(CorruptFiles, arbitrary_bytes_never_crash_the_check) {
  std::mt19937_64 random(23);
  const std::string root = fresh_copy();
  ManifestFile entry = victim();
  const std::string path = root + "/" + entry.path;
  for (int trial = 0; trial < 400; ++trial) {
    std::string bytes(random() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    // Often a plausible frame, with a random footer length.
    if (bytes.size() >= 12 && random() % 2) {
      bytes.replace(0, 4, "PAR1");
      bytes.replace(bytes.size() - 4, 4, "PAR1");
      if (random() % 2) bytes[bytes.size() - 8] = static_cast<char>(random() % bytes.size());
    }
    overwrite(path, bytes);
    entry.bytes = bytes.size();
    for (bool full : {false, true}) {
      std::string reason;
      ASSERT_NO_THROW(reason = check_committed_file(root, entry, full));
      EXPECT_FALSE(reason.empty());  // the checksums never match random bytes
    }
  }
}

class CorruptManifest : public CorruptFiles {
 protected:
  // The dataset is untouched: all three files listed and intact.
  void expect_all_files_listed(const std::string& root) {
    auto dataset = Dataset::open(root);
    EXPECT_TRUE(dataset->recovery().quarantined.empty());
    ASSERT_EQ(dataset->files().size(), files_->size());
    for (std::size_t i = 0; i < files_->size(); ++i) EXPECT_EQ(dataset->files()[i].path, (*files_)[i].path);
    // Both copies are good again, and equal.
    LoadedManifest loaded = load_manifest_copies(root);
    EXPECT_TRUE(loaded.bad.empty());
    EXPECT_FALSE(loaded.rewrite);
  }
};

TEST_F(CorruptManifest, a_damaged_copy_is_quarantined_and_the_other_one_used) {
  for (const char* name : {kManifestName, kManifestBackupName}) {
    const std::string relative = std::string("_simingest/") + name;
    for (int damage = 0; damage < 3; ++damage) {
      SCOPED_TRACE(relative + " damage " + std::to_string(damage));
      const std::string root = fresh_copy();
      std::string text = read_text_file(root + "/" + relative);
      if (damage == 0) text[text.size() / 2] = static_cast<char>(text[text.size() / 2] ^ 4);  // a bit flip
      if (damage == 1) text.resize(text.size() / 3);                                           // truncated
      if (damage == 2) text.assign(text.size(), '\0');                                         // zeroed
      overwrite(root + "/" + relative, text);
      const std::string message = expect_corrupt_open(root, relative, false);
      EXPECT_NE(message.find("moved to _simingest/quarantine/" + relative), std::string::npos) << message;
      EXPECT_EQ(read_text_file(root + "/_simingest/quarantine/" + relative), text);
      expect_all_files_listed(root);
    }
  }
}

TEST_F(CorruptManifest, both_copies_damaged_fails_naming_the_manifest_and_changes_nothing) {
  const std::string root = fresh_copy();
  const std::string primary = root + "/_simingest/manifest.json";
  const std::string backup = root + "/_simingest/manifest.bak.json";
  std::string a = read_text_file(primary), b = read_text_file(backup);
  a[10] = static_cast<char>(a[10] ^ 1);
  b.resize(b.size() - 3);
  overwrite(primary, a);
  overwrite(backup, b);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::string message = expect_corrupt_open(root, "_simingest/manifest.json", false);
    EXPECT_NE(message.find("_simingest/manifest.bak.json"), std::string::npos) << message;
    EXPECT_NE(message.find("nothing was changed"), std::string::npos) << message;
    EXPECT_EQ(read_text_file(primary), a);
    EXPECT_EQ(read_text_file(backup), b);
    EXPECT_FALSE(exists(root + "/_simingest/quarantine"));
    for (const ManifestFile& file : *files_) EXPECT_TRUE(exists(root + "/" + file.path)) << file.path;
  }
}

TEST_F(CorruptManifest, a_missing_copy_is_written_again_without_an_error) {
  for (const char* name : {kManifestName, kManifestBackupName}) {
    const std::string root = fresh_copy();
    fs::remove(root + "/_simingest/" + name);
    expect_all_files_listed(root);
  }
}

TEST_F(CorruptManifest, a_copy_damaged_twice_is_quarantined_under_a_new_name) {
  const std::string root = fresh_copy();
  for (int round = 0; round < 2; ++round) {
    overwrite(root + "/_simingest/manifest.json", "{");
    expect_corrupt_open(root, "_simingest/manifest.json", false);
  }
  EXPECT_TRUE(exists(root + "/_simingest/quarantine/_simingest/manifest.json"));
  EXPECT_TRUE(exists(root + "/_simingest/quarantine/_simingest/manifest.json.1"));
  expect_all_files_listed(root);
  EXPECT_EQ(load_manifest_copies(root).manifest->quarantined.size(), 2u);
}

// A version 1 manifest (an older build's) has no checksums: size and framing
// are still checked, and the first write upgrades it.
TEST_F(CorruptManifest, a_version_1_manifest_is_verified_as_far_as_it_allows) {
  const std::string root = fresh_copy();
  Manifest manifest = load_manifest_copies(root).manifest.value();
  nlohmann::ordered_json document = nlohmann::ordered_json::parse(serialize_manifest(manifest));
  document["version"] = 1;
  document.erase("manifestCrc32c");
  document.erase("quarantined");
  for (auto& file : document["files"]) {
    file.erase("crc32c");
    file.erase("footerBytes");
    file.erase("footerCrc32c");
  }
  fs::remove(root + "/_simingest/manifest.bak.json");
  overwrite(root + "/_simingest/manifest.json", document.dump(2));
  std::string bytes = victim_bytes();
  bytes[0] = 'Q';
  overwrite(root + "/" + victim().path, bytes);

  const std::string message = expect_corrupt_open(root, victim().path, true);
  EXPECT_NE(message.find("leading magic is not PAR1"), std::string::npos) << message;
  auto dataset = Dataset::open(root);
  EXPECT_EQ(dataset->files().size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(read_text_file(root + "/_simingest/manifest.json"))["version"], kManifestVersion);
  EXPECT_TRUE(exists(root + "/_simingest/manifest.bak.json"));
}

TEST(VerifyTest, compute_file_checksums_matches_the_reference) {
  ScratchDirectory scratch;
  const std::string bytes = testing_support::parquet_framed(std::string(5000, 'z'), "meta");
  write_text_file(scratch / "f.parquet", bytes);
  const FileChecksums checksums = compute_file_checksums(scratch / "f.parquet");
  EXPECT_EQ(checksums.crc32c, testing_support::reference_crc32c(bytes));
  EXPECT_EQ(checksums.footer_bytes, 12u);
  EXPECT_EQ(checksums.footer_crc32c, testing_support::reference_crc32c(bytes.substr(bytes.size() - 12)));
  write_text_file(scratch / "g.parquet", "PAR1xxxx");
  try {
    compute_file_checksums(scratch / "g.parquet");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::corrupt);
    EXPECT_EQ(std::string(e.what()), scratch / "g.parquet" + ": too short for Parquet: 8 bytes");
  }
}

}  // namespace
}  // namespace simingest::storage
