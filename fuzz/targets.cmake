# One libFuzzer target per decoder (see fuzz/CMakeLists.txt for opengns_fuzzer()).
opengns_fuzzer(control_packet DEPS opengns_wire)
opengns_fuzzer(data_header DEPS opengns_wire)
opengns_fuzzer(snp_frames DEPS opengns_wire)
opengns_fuzzer(snp_receiver DEPS opengns_snp)
