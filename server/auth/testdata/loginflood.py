# Memory of a sign-in flood: runs BINARY serve --demo on PORT, sends 200 failed
# sign-ins with 900 KB random usernames from 200 loopback addresses (127.0.X.Y)
# and prints the resident memory before and after. README "Configuration".
# usage: python3 server/auth/testdata/loginflood.py ./bin/zsc 18932
import http.client, json, os, random, string, sys, time, subprocess, re
binary, port = sys.argv[1], int(sys.argv[2])
d = f"/tmp/zsc-loginflood-{port}"
subprocess.run(["rm", "-rf", d])
p = subprocess.Popen([binary, "serve", "--demo", "--demo-entities", "3000", "--db", d + "/zsc.db", "--addr", f":{port}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
for line in p.stdout:
    if "listening" in line: break
def rss():
    for l in open(f"/proc/{p.pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1]) // 1024
def login(i):
    c = http.client.HTTPConnection("127.0.0.1", port, source_address=(f"127.0.{i // 250}.{i % 250 + 2}", 0), timeout=60)
    u = "".join(random.choices(string.ascii_letters, k=900_000))
    c.request("POST", "/api/v1/auth/login", json.dumps({"username": u, "password": "wrong-password"}), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read(); c.close(); return r.status
time.sleep(1)
r0 = rss()
codes = {}
for i in range(200):
    s = login(i); codes[s] = codes.get(s, 0) + 1
time.sleep(5)
print(binary, "RSS MB before", r0, "after 200 logins with 900 KB usernames from 200 addresses", rss(), "statuses", codes)
p.terminate(); p.wait()
