// Includes the one engine header named by SIMINGEST_PROBE_HEADER; compiled by
// the layer tests (test/layers/CMakeLists.txt) with the include paths of one
// layer, to show which headers that layer can and cannot reach.
#include SIMINGEST_PROBE_HEADER
