-- wrk script for benches/http/writers: PATCH (one customer or several, round robin) or POST, each request with a
-- body of its own. Environment: WRITE_METHOD (PATCH|POST), WRITE_PATHS (comma-separated), WRITE_BODY (a body
-- with %d where a unique number goes), WRITE_AUTH (the Authorization header).
local method = os.getenv("WRITE_METHOD") or "PATCH"
local template = os.getenv("WRITE_BODY") or '{"referenceId":"w-%d"}'
local auth = os.getenv("WRITE_AUTH") or ""
local paths = {}
for p in string.gmatch(os.getenv("WRITE_PATHS") or "/", "[^,]+") do paths[#paths + 1] = p end
local counter = 0
local salt = math.floor((os.time() % 100000) * 1000 + math.random(999))

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local body = string.format(template, salt * 100000 + counter)
  return wrk.format(method, path, { ["Content-Type"] = "application/json", ["Authorization"] = auth }, body)
end
