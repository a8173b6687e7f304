# Compiler flags shared by every opengns target: warnings are errors, and the
# sanitizer presets add their instrumentation everywhere (tests included).
set(OPENGNS_WARNING_FLAGS -Wall -Wextra -Werror -Wno-missing-field-initializers)

if(OPENGNS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(OPENGNS_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# Applies the project's warning policy to a target we own (not to generated code).
function(opengns_warnings target)
  target_compile_options(${target} PRIVATE ${OPENGNS_WARNING_FLAGS})
endfunction()

# Fuzz builds instrument every library for coverage; the fuzz targets themselves
# link libFuzzer's main (fuzz/CMakeLists.txt).
if(OPENGNS_BUILD_FUZZERS)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
