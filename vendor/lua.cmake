# Builds Lua 5.4 from an unpacked release (LUA_LAMBDA_LUA_SOURCE_DIR, as
# fetched by vendor/fetch.sh) into a static library, for bootstrap to link
# in whole. Sets LUA_INCLUDE_DIRS and LUA_LAMBDA_LUA_STATIC like the system
# path does.
set(lua_src ${LUA_LAMBDA_LUA_SOURCE_DIR}/src)
if(NOT EXISTS ${lua_src}/lua.h)
  message(FATAL_ERROR "no Lua sources in ${LUA_LAMBDA_LUA_SOURCE_DIR}")
endif()
file(GLOB lua_sources ${lua_src}/*.c)
# The interpreter and compiler have their own main(); only the library.
list(REMOVE_ITEM lua_sources ${lua_src}/lua.c ${lua_src}/luac.c)
add_library(lua_vendored STATIC ${lua_sources})
target_include_directories(lua_vendored PUBLIC ${lua_src})
# LUA_USE_LINUX: dlopen for C modules, POSIX I/O. As Lua's own "make linux".
target_compile_definitions(lua_vendored PRIVATE LUA_COMPAT_5_3 LUA_USE_LINUX)
target_compile_options(lua_vendored PRIVATE -w)  # not our code to warn on
set_target_properties(lua_vendored PROPERTIES C_EXTENSIONS ON
                      POSITION_INDEPENDENT_CODE ON)
set(LUA_INCLUDE_DIRS ${lua_src})
set(LUA_LAMBDA_LUA_STATIC lua_vendored)
