# Installs what a solver needs to link libsimingest: the headers, the shared
# library, a CMake package (find_package(simingest) -> simingest::simingest)
# and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS simingest EXPORT simingestTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES include/simingest.h include/simingest.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(SIMINGEST_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/simingest)
install(EXPORT simingestTargets NAMESPACE simingest:: DESTINATION ${SIMINGEST_CMAKE_DIR})
configure_package_config_file(cmake/simingestConfig.cmake.in
  "${PROJECT_BINARY_DIR}/simingestConfig.cmake" INSTALL_DESTINATION ${SIMINGEST_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/simingestConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/simingestConfig.cmake"
  "${PROJECT_BINARY_DIR}/simingestConfigVersion.cmake" DESTINATION ${SIMINGEST_CMAKE_DIR})

# The .pc file locates the prefix relative to itself, so it stays right when
# the install is relocated (cmake --install --prefix, DESTDIR, a moved tree).
file(RELATIVE_PATH SIMINGEST_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" SIMINGEST_PC_TO_PREFIX "${SIMINGEST_PC_TO_PREFIX}")
configure_file(cmake/simingest.pc.in "${PROJECT_BINARY_DIR}/simingest.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/simingest.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
