# Shared build settings and the two helpers every module uses.

# Static linking is chosen before the packages are found: it selects their .a files.
if(SLIPWAY_STATIC)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(Boost_USE_STATIC_LIBS ON)
  add_link_options(-static)
  # Drop the sections nothing references (most of the static OpenSSL and glibc archives): the
  # FROM-scratch image carries every byte of the binary.
  add_link_options(-Wl,--gc-sections)
endif()

find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)

add_library(slipway_warnings INTERFACE)
target_compile_options(slipway_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Werror
  # GCC 12 at -O3 reports impossible overlaps inside std::string (GCC bug 105329); for the
  # same reason -Wnull-dereference is not used: it fires inside libstdc++ streams at -O3.
  -Wno-restrict)
# Boost.Asio and Beast headers are system headers: their warnings are not ours.
target_compile_definitions(slipway_warnings INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_JSON_NO_LIB)

if(SLIPWAY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()


# slipway_module(NAME DEPS ...): a static library from every .cpp beside this CMakeLists.txt
# (except main.cpp), exported as slipway::NAME, headers included as "NAME/file.hpp".
function(slipway_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  add_library(slipway_${name} STATIC ${sources})
  target_include_directories(slipway_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(slipway_${name} PUBLIC ${M_DEPS} PRIVATE slipway_warnings)
  add_library(slipway::${name} ALIAS slipway_${name})
endfunction()

# slipway_unit_tests(MODULE): one GoogleTest executable per *_test.cpp beside the caller,
# registered with CTest as MODULE.TOPIC and labelled "unit".
function(slipway_unit_tests module)
  find_package(GTest REQUIRED)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  foreach(test_source IN LISTS tests)
    get_filename_component(topic ${test_source} NAME_WE)
    string(REGEX REPLACE "_test$" "" topic ${topic})
    set(exe ${module}_${topic}_test)
    add_executable(${exe} ${test_source})
    target_link_libraries(${exe} PRIVATE slipway::${module} GTest::gtest GTest::gtest_main slipway_warnings)
    target_compile_definitions(${exe} PRIVATE SLIPWAY_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
    add_test(NAME ${module}.${topic} COMMAND ${exe})
    set_tests_properties(${module}.${topic} PROPERTIES LABELS unit TIMEOUT 120)
  endforeach()
endfunction()
