# One static library per layer of native/ (docs/ARCHITECTURE.md, "Layers"),
# with the include paths that make the layering a build rule.
#
# Every header is addressed as "<layer>/<file>.hpp". A layer's include root is
# a directory of the build tree, layer-include/<layer>/, holding only the
# symlink <layer> -> native/<layer>; it is a PUBLIC usage requirement of
# simingest_<layer>. Sources of a layer therefore resolve the headers of their
# own layer and of the layers simingest_<layer> links, and nothing else: an
# include of a layer above (or beside) fails with "No such file or directory".
# test/layers/ proves it.
#
# simingest_add_layer(<layer> [PUBLIC <dep>...] [PRIVATE <dep>...]):
# PUBLIC for the layers (and libraries) the layer's headers include, PRIVATE
# for those only its .cpp files include.
function(simingest_add_layer layer)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
  set(root "${PROJECT_BINARY_DIR}/layer-include/${layer}")
  file(MAKE_DIRECTORY "${root}")
  file(CREATE_LINK "${PROJECT_SOURCE_DIR}/native/${layer}" "${root}/${layer}" SYMBOLIC)

  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/native/${layer}/*.cpp")
  list(FILTER sources EXCLUDE REGEX "_test\\.cpp$")
  add_library(simingest_${layer} STATIC ${sources})
  target_include_directories(simingest_${layer} PUBLIC "${root}" "${PROJECT_SOURCE_DIR}/include")
  target_compile_definitions(simingest_${layer} PUBLIC SIMINGEST_VERSION_TEXT="${PROJECT_VERSION}")
  target_link_libraries(simingest_${layer} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
  simingest_warnings(simingest_${layer})
endfunction()
