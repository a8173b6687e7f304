# opengns_fuzzer(NAME DEPS ...) per target; filled as decoders land.
