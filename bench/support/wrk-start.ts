/**
 * The start barrier of the bench's wrk scripts. wrk runs thread i's Lua init after thread i-1 has
 * started sending, starts its clock after the last init, and counts every thread's answers: with
 * a long init (ping batches built ahead, a million tokens read) the first threads sent for
 * seconds before the clock, and their answers flattered the rate (against a counting server, two
 * threads and 60,000 batches each: 41% of a 4 s run's answers came before the clock). So each
 * thread holds its first request until the last init has created the start file, and every init
 * says WRK_READY on stderr (unbuffered, unlike stdout): the load starts after the last one.
 */
export const WRK_READY = 'WRK_READY';

/**
 * Lua for the top of a script: `arrive(startFile, isLastThread)` ends init,
 * `holdUntilStart(isFirstThread)` begins request(). The wait sleeps (usleep through LuaJIT's
 * FFI, which wrk embeds) rather than spinning on the cores the measured servers share.
 */
export const WRK_START_LUA = `
local ffi = require("ffi")
ffi.cdef("int usleep(unsigned int usec);")
local startFile, started, requestCalls = nil, false, 0
local function arrive(file, last)
  startFile = file
  if last then io.open(file, "w"):close() end
  io.stderr:write("${WRK_READY}\\n")
end
-- wrk calls the first thread's request() once from its main thread, right after that thread's
-- init, to check the request (script_verify_request): that call must not wait.
local function holdUntilStart(first)
  requestCalls = requestCalls + 1
  if first and requestCalls == 1 then return end
  while not started do
    local f = io.open(startFile, "r")
    if f then f:close(); started = true else ffi.C.usleep(1000) end
  end
end
`;
