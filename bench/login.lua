-- wrk script: POST a login for one account again and again.
-- Usage: wrk -t2 -c8 -d10s -s bench/login.lua http://127.0.0.1:18090 -- EMAIL PASSWORD
local email, password
function init(args)
  email = args[1]
  password = args[2]
end
function request()
  local body = string.format('{"email":"%s","password":"%s"}', email, password)
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"}, body)
end
