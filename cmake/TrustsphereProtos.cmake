# google/rpc/*.proto come from Debian's golang-github-gogo-googleapis-dev.
set(GOOGLEAPIS_DIR /usr/share/gocode/src/github.com/gogo/googleapis)

# Generates C++ from IMPORT_ROOT/<proto> (and gRPC stubs for files that declare services) into the
# build tree and adds the sources to TARGET.
function(trustsphere_generate_protos TARGET IMPORT_ROOT)
  cmake_parse_arguments(ARG "" "" "PROTOS;GRPC_PROTOS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out_dir})
  foreach(proto IN LISTS ARG_PROTOS ARG_GRPC_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outputs ${out_dir}/${stem}.pb.cc ${out_dir}/${stem}.pb.h)
    set(grpc_args)
    if(proto IN_LIST ARG_GRPC_PROTOS)
      list(APPEND outputs ${out_dir}/${stem}.grpc.pb.cc ${out_dir}/${stem}.grpc.pb.h)
      set(grpc_args --grpc_out=${out_dir}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc
        -I${IMPORT_ROOT} -I${PROJECT_SOURCE_DIR}/proto -I${GOOGLEAPIS_DIR}
        -I${Protobuf_INCLUDE_DIRS}
        --cpp_out=${out_dir} ${grpc_args} ${IMPORT_ROOT}/${proto}
      DEPENDS ${IMPORT_ROOT}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    target_sources(${TARGET} PRIVATE ${outputs})
  endforeach()
  target_include_directories(${TARGET} PUBLIC ${out_dir})
endfunction()

