-- Many sessions of every route: each request carries the JSESSIONID of
-- one of 5,000 sessions; a session keeps its route (its suffix names one
-- of the three members), as real sessions do.
local n = 0
request = function()
  n = n + 1
  local sid = n % 5000
  return wrk.format("GET", "/app/page", {["Cookie"] = "JSESSIONID=s" .. sid .. ".node" .. ((sid % 3) + 1)})
end
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
