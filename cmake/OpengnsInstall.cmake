# Install rules, a CMake package (find_package(opengns)) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS opengns opengns_static EXPORT opengnsTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/opengns DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT opengnsTargets NAMESPACE opengns:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/opengns)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/opengnsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/opengnsConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/opengns)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/opengnsConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/opengnsConfig.cmake ${PROJECT_BINARY_DIR}/opengnsConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/opengns)

# The .pc file locates the prefix relative to itself, so an installed tree can move.
file(RELATIVE_PATH OPENGNS_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
     "${CMAKE_INSTALL_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/opengns.pc.in ${PROJECT_BINARY_DIR}/opengns.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/opengns.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
