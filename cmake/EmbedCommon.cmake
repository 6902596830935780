# What cmake/EmbedLua.cmake and cmake/EmbedFiles.cmake share: a file as a
# C byte array, the arrays and table entries of every file, and writing the
# generated file only when it changed (so an unchanged input does not
# trigger a rebuild).

# Sets out to "static const char <name>[] = {...};" holding path's bytes
# and a NUL (not counted in its length).
function(embed_bytes out name path)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  # 16 bytes a line keeps the generated file readable in a diff.
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n  " hex "${hex}")
  set(${out} "static const char ${name}[] = {\n  ${hex}0x00\n};\n\n" PARENT_SCOPE)
endfunction()

# Sets arrays_out to a byte array for each of FILES (paths below
# SOURCE_DIR), named <prefix>_<n>, and entries_out to each file's line of
# the table, as the including script's embed_entry(out rel array) writes it.
function(embed_each arrays_out entries_out prefix)
  set(arrays "")
  set(entries "")
  set(index 0)
  foreach(rel IN LISTS FILES)
    embed_bytes(array ${prefix}_${index} "${SOURCE_DIR}/${rel}")
    string(APPEND arrays "${array}")
    embed_entry(entry "${rel}" ${prefix}_${index})
    string(APPEND entries "${entry}")
    math(EXPR index "${index} + 1")
  endforeach()
  set(${arrays_out} "${arrays}" PARENT_SCOPE)
  set(${entries_out} "${entries}" PARENT_SCOPE)
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
