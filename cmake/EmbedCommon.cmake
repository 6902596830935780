# What cmake/EmbedLua.cmake and cmake/EmbedFiles.cmake share: a file as a
# C byte array, and writing the generated file only when it changed (so an
# unchanged input does not trigger a rebuild).

# Sets out to "static const char <name>[] = {...};" holding path's bytes
# and a NUL (not counted in its length).
function(embed_bytes out name path)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  # 16 bytes a line keeps the generated file readable in a diff.
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n  " hex "${hex}")
  set(${out} "static const char ${name}[] = {\n  ${hex}0x00\n};\n\n" PARENT_SCOPE)
endfunction()

function(write_if_changed path content)
  if(EXISTS "${path}")
    file(READ "${path}" old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${path}" "${content}")
endfunction()
