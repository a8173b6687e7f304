# One library layer of opengns (common, proto, wire, crypto, snp, ...).
#
# opengns_layer(NAME [GENERATED] SOURCES ... DEPS ...) creates two targets:
#   opengns_NAME_obj  an OBJECT library (its objects go into the final shared and
#                     static libraries, collected in OPENGNS_LAYERS)
#   opengns_NAME      a STATIC library of the same objects that links its DEPS, so
#                     tests and tools can link one layer and get what it needs.
# GENERATED marks code we do not write (protoc output): no -Werror on it.
function(opengns_layer name)
  cmake_parse_arguments(ARG "GENERATED" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    return()  # a layer with nothing built yet
  endif()
  add_library(opengns_${name}_obj OBJECT ${ARG_SOURCES})
  target_include_directories(opengns_${name}_obj PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
  # Generated protobuf headers are not ours: include them as system headers.
  target_include_directories(opengns_${name}_obj SYSTEM PUBLIC
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/proto>)
  target_link_libraries(opengns_${name}_obj PUBLIC ${ARG_DEPS})
  if(NOT ARG_GENERATED)
    opengns_warnings(opengns_${name}_obj)
  endif()
  add_library(opengns_${name} STATIC $<TARGET_OBJECTS:opengns_${name}_obj>)
  target_link_libraries(opengns_${name} PUBLIC opengns_${name}_obj ${ARG_DEPS})
  set_property(GLOBAL APPEND PROPERTY OPENGNS_LAYERS opengns_${name}_obj)
endfunction()
