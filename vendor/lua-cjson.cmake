# Builds lua-cjson from an unpacked release (LUA_LAMBDA_CJSON_SOURCE_DIR)
# into a static library against the Lua headers in use.
set(cjson_src ${LUA_LAMBDA_CJSON_SOURCE_DIR})
if(NOT EXISTS ${cjson_src}/lua_cjson.c)
  message(FATAL_ERROR "no lua-cjson sources in ${cjson_src}")
endif()
add_library(cjson_vendored STATIC
  ${cjson_src}/lua_cjson.c ${cjson_src}/strbuf.c ${cjson_src}/fpconv.c)
target_include_directories(cjson_vendored PRIVATE ${cjson_src}
                           ${LUA_INCLUDE_DIRS})
target_compile_options(cjson_vendored PRIVATE -w)  # not our code to warn on
set_target_properties(cjson_vendored PROPERTIES POSITION_INDEPENDENT_CODE ON)
set(LUA_LAMBDA_CJSON_STATIC cjson_vendored)
