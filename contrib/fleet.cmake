# memgate across a fleet (issue 15): the metrics job (systemd service and timer writing node_exporter's
# textfile), the alert rules, memgate.conf(5), the Kubernetes installer's manifests, and the Debian
# package (CPack). Included from the top-level CMakeLists.txt.
#
#   MEMGATE_SYSTEMD_UNITDIR  where the units go (default lib/systemd/system under the prefix:
#                            /usr/lib/systemd/system for /usr)
#   cpack -G DEB             (in the build directory) builds memgate_<version>_<arch>.deb

set(MEMGATE_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd unit directory (relative to the prefix, or absolute)")

install(FILES man/memgate.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(PROGRAMS contrib/systemd/memgate-textfile DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/memgate)
install(FILES contrib/systemd/memgate-textfile.timer DESTINATION ${MEMGATE_SYSTEMD_UNITDIR})
# The service names installed paths: rendered at install time with the prefix then in effect.
install(CODE "
set(_prefix \"\${CMAKE_INSTALL_PREFIX}\")
set(MG_BINDIR \"\${_prefix}/${CMAKE_INSTALL_BINDIR}\")
set(MG_LIBEXECDIR \"\${_prefix}/${CMAKE_INSTALL_LIBEXECDIR}/memgate\")
string(REGEX REPLACE \"//+\" \"/\" MG_BINDIR \"\${MG_BINDIR}\")
string(REGEX REPLACE \"//+\" \"/\" MG_LIBEXECDIR \"\${MG_LIBEXECDIR}\")
configure_file(\"${CMAKE_CURRENT_SOURCE_DIR}/contrib/systemd/memgate-textfile.service.in\"
               \"${CMAKE_CURRENT_BINARY_DIR}/generated/memgate-textfile.service\" @ONLY)
if(IS_ABSOLUTE \"${MEMGATE_SYSTEMD_UNITDIR}\")
  set(_unitdir \"${MEMGATE_SYSTEMD_UNITDIR}\")
else()
  set(_unitdir \"\${_prefix}/${MEMGATE_SYSTEMD_UNITDIR}\")
endif()
file(INSTALL DESTINATION \"\${_unitdir}\" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES \"${CMAKE_CURRENT_BINARY_DIR}/generated/memgate-textfile.service\")
")
install(FILES contrib/prometheus/memgate.rules.yml contrib/prometheus/memgate-prometheusrule.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/memgate/prometheus)

install(FILES contrib/kubernetes/memgate-installer.yaml contrib/kubernetes/Containerfile
        DESTINATION ${CMAKE_INSTALL_DATADIR}/memgate/kubernetes)
install(PROGRAMS contrib/kubernetes/node-image.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/memgate/kubernetes)
install(PROGRAMS contrib/kubernetes/memgate-node-install DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/memgate)

# ---- The Debian package ------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "memgate maintainers <memgate@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OCI hook that refuses container starts memory trouble would kill")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "memgate runs as an OCI createRuntime hook (podman, CRI-O, containerd
NRI) or as the runc-compatible wrapper memgate-runtime, and refuses or warns
before a container dies of memory trouble nobody would otherwise explain:
MemAvailable at 0 behind a raised watermark reserve, an exhausted commit
limit, an off-heap margin too small for the heap, a full NUMA node.
'memgate host' evaluates the node and lists the running containers near
their memory limit; its Prometheus format feeds node_exporter.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "podman | cri-o | containerd, prometheus-node-exporter")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Debian's layout in the staged tree before dpkg-deb sees it: man pages and the changelog
# compressed with gzip -9n, the copyright file, no group-writable directories.
set(MG_DEB_SRC "${CMAKE_CURRENT_SOURCE_DIR}/contrib/debian")
configure_file(contrib/debian/prebuild.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/mg-deb-prebuild.cmake @ONLY)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_BINARY_DIR}/mg-deb-prebuild.cmake)
include(CPack)
