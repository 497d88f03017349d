# The Debian package (`cmake --build build --target package`): the binary, the desktop entry and
# icon, and the service files of resources/deploy/. Those are the "deploy" component, left out of
# a plain `cmake --install`, which should not write to /etc.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/kairos-gateway.service DESTINATION lib/systemd/system
        COMPONENT deploy EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/config.json DESTINATION /etc/kairos COMPONENT deploy EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/kairos-gateway.logrotate DESTINATION /etc/logrotate.d
        RENAME kairos-gateway COMPONENT deploy EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kairos-gateway)
set(CPACK_PACKAGE_VENDOR Kairos)
set(CPACK_PACKAGE_CONTACT "Kairos maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "API gateway with load balancing, retries and a live management console")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "Kairos is a reverse proxy for HTTP/1.1 APIs: routes with path patterns, load balancing, "
       "retries, circuit breakers, active health checks, JWT checks and a REST admin API. It runs "
       "as a desktop console or headless, as the kairos-gateway systemd service.")
# Installed with DESTDIR, since /etc/kairos and /etc/logrotate.d are absolute destinations.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};ALL;/" "${CMAKE_BINARY_DIR};${PROJECT_NAME};deploy;/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate, qt6-qpa-plugins")  # the plugins: the console's display
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/conffiles ${CMAKE_CURRENT_LIST_DIR}/postinst
                                       ${CMAKE_CURRENT_LIST_DIR}/prerm ${CMAKE_CURRENT_LIST_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
