# Packs the deployable zips. Run as a script:
#   cmake -DBOOTSTRAP=<file> -DSTRIP=<strip or ""> -DFUNCTION_DIR=<dir>
#         -DLUA_DIR=<lua/> -DOUT=<dir> -P Artifacts.cmake
# OUT/function.zip: bootstrap at the root and the function's files
#   (a zip for a provided.al2023 function with no layer);
# OUT/layer.zip: bootstrap at the root (Lambda unpacks layers to /opt, and
#   runs /opt/bootstrap when the function has none) and the runtime's Lua
#   modules under lua/ (on the layer search path /opt/lua).
# bootstrap keeps its executable bit in both.
set(stage ${OUT}/stage)
file(REMOVE_RECURSE ${stage})
file(MAKE_DIRECTORY ${stage}/function ${stage}/layer/lua)

foreach(dir function layer)
  file(COPY ${BOOTSTRAP} DESTINATION ${stage}/${dir}
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                        GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  if(STRIP)
    execute_process(COMMAND ${STRIP} ${stage}/${dir}/bootstrap
                    RESULT_VARIABLE rc)
    if(rc)
      message(FATAL_ERROR "strip failed")
    endif()
  endif()
endforeach()

# The function's files, less what does not belong in a deployment.
file(COPY ${FUNCTION_DIR}/ DESTINATION ${stage}/function
     PATTERN "spec" EXCLUDE PATTERN "template.yaml" EXCLUDE
     PATTERN "README.md" EXCLUDE PATTERN "Dockerfile" EXCLUDE
     PATTERN "event*.json" EXCLUDE
     PATTERN ".*" EXCLUDE)
file(COPY ${LUA_DIR}/ DESTINATION ${stage}/layer/lua)

foreach(dir function layer)
  file(GLOB_RECURSE entries RELATIVE ${stage}/${dir} ${stage}/${dir}/*)
  list(SORT entries)
  file(REMOVE ${OUT}/${dir}.zip)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E tar cf ${OUT}/${dir}.zip --format=zip
            ${entries}
    WORKING_DIRECTORY ${stage}/${dir}
    RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "packing ${dir}.zip failed")
  endif()
endforeach()
file(REMOVE_RECURSE ${stage})
message(STATUS "wrote ${OUT}/function.zip and ${OUT}/layer.zip")
