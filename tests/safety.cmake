# Script tests of issue 5, registered from the top CMakeLists (they need the memgate target).
# A script that cannot run (no strace, no root) exits 77, which CTest reports as skipped.
set(MG_SAFETY_ENV
  "MEMGATE_BIN=$<TARGET_FILE:memgate>"
  "MEMGATE_SRC=${PROJECT_SOURCE_DIR}"
  "MEMGATE_FIXTURES=${PROJECT_SOURCE_DIR}/tests/fixtures"
  "MEMGATE_CORE_LIB=$<TARGET_FILE:memgate_core>")

# Compiled with the project's flags only so hardening.sh can see _FORTIFY_SOURCE=3 take effect.
add_library(mg_fortify_probe OBJECT ${PROJECT_SOURCE_DIR}/tests/fortify-probe.c)
add_test(NAME safety_hardening COMMAND sh ${PROJECT_SOURCE_DIR}/tests/hardening.sh "${CMAKE_BUILD_TYPE}"
         "$<TARGET_OBJECTS:mg_fortify_probe>" $<TARGET_FILE:memgate> $<TARGET_FILE:memgate-runtime>)
add_test(NAME safety_seccomp_strace COMMAND sh ${PROJECT_SOURCE_DIR}/tests/seccomp-strace.sh)
set_tests_properties(safety_hardening safety_seccomp_strace PROPERTIES
  ENVIRONMENT "${MG_SAFETY_ENV}" SKIP_RETURN_CODE 77 LABELS safety)
