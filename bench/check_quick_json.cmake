# bench.quick: runs `opengns-bench --quick --json OUT` and checks the JSON's structure:
# machine/date/config present, and one row per fixed (scenario, variant, library) with the
# fixed metric. ENet rows must hold a figure (status "ok"); opengns rows may say "n/a" while
# its API is not live; instructions rows may say "skipped" when valgrind is missing. Speeds
# are never asserted.
#   cmake -DBENCH=path/to/opengns-bench -DOUT=file.json -P check_quick_json.cmake
if(NOT BENCH OR NOT OUT)
  message(FATAL_ERROR "usage: cmake -DBENCH=... -DOUT=... -P check_quick_json.cmake")
endif()
file(REMOVE "${OUT}")
execute_process(COMMAND "${BENCH}" --quick --json "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "opengns-bench --quick exited with ${rc}")
endif()
file(READ "${OUT}" json)

foreach(key machine date config results)
  string(JSON type ERROR_VARIABLE err TYPE "${json}" ${key})
  if(err)
    message(FATAL_ERROR "JSON has no '${key}': ${err}")
  endif()
endforeach()

# scenario/variant=metric, as fixed by the benchmark's definition.
set(expected
  "bulk/1200B=throughput_mb_per_s" "bulk/64KiB=throughput_mb_per_s"
  "msgrate/reliable-nagle=msg_per_s" "msgrate/reliable-nonagle=msg_per_s"
  "msgrate/unreliable-nagle=msg_per_s" "msgrate/unreliable-nonagle=msg_per_s"
  "pingpong/64B=rtt_p50_us" "pingpong/64B-p99=rtt_p99_us"
  "connect/200-concurrent=connect_all_ms" "connect/1000-idle=server_rss_kib_per_connection"
  "lossy/bulk-0pct=throughput_mb_per_s" "lossy/bulk-5pct=throughput_mb_per_s"
  "lossy/bulk-10pct=throughput_mb_per_s" "lossy/bulk-20pct=throughput_mb_per_s"
  "lossy/bulk-30pct=throughput_mb_per_s" "lossy/latency-5pct=latency_p99_ms"
  "instructions/64B-reliable=instructions_per_msg")

string(JSON count LENGTH "${json}" results)
set(seen "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON row GET "${json}" results ${i})
  foreach(field scenario variant library metric unit)
    string(JSON ${field} GET "${row}" ${field})
  endforeach()
  string(JSON status GET "${row}" extra status)
  string(JSON median_type TYPE "${row}" median)
  string(JSON runs_count LENGTH "${row}" runs)
  set(id "${scenario}/${variant}")
  list(FIND expected "${id}=${metric}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "unexpected row ${id} (${library}) with metric '${metric}'")
  endif()
  if(unit STREQUAL "")
    message(FATAL_ERROR "row ${id} (${library}) has no unit")
  endif()
  set(allowed "ok")
  if(library STREQUAL "opengns")
    list(APPEND allowed "n/a")
  elseif(NOT library STREQUAL "enet")
    message(FATAL_ERROR "row ${id}: unknown library '${library}'")
  endif()
  if(scenario STREQUAL "instructions")
    list(APPEND allowed "skipped")
  endif()
  list(FIND allowed "${status}" ok_status)
  if(ok_status EQUAL -1)
    string(JSON reason ERROR_VARIABLE no_reason GET "${row}" extra reason)
    message(FATAL_ERROR "row ${id} (${library}): status '${status}' (${reason})")
  endif()
  if(status STREQUAL "ok" AND (NOT median_type STREQUAL "NUMBER" OR runs_count EQUAL 0))
    message(FATAL_ERROR "row ${id} (${library}): status ok but no figure")
  endif()
  if(NOT status STREQUAL "ok" AND NOT median_type STREQUAL "NULL")
    message(FATAL_ERROR "row ${id} (${library}): status '${status}' but a median")
  endif()
  list(APPEND seen "${id}=${metric}@${library}")
endforeach()

foreach(entry IN LISTS expected)
  foreach(library opengns enet)
    list(FIND seen "${entry}@${library}" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "missing row ${entry} for ${library}")
    endif()
  endforeach()
endforeach()
list(LENGTH seen rows)
message(STATUS "bench.quick: ${rows} rows, every fixed scenario/variant for both libraries")
