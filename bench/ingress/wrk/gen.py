#!/usr/bin/env python3
"""Pre-builds unique, signed WhatsApp text webhooks for wrk: one file per wrk thread, one
request per line as `<X-Hub-Signature-256>\t<body>`. Signing happens here, before the clock starts.

usage: gen.py OUT_DIR THREADS PER_THREAD [SECRET]
"""
import hashlib, hmac, os, sys, time, uuid

out, threads, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
secret = (sys.argv[4] if len(sys.argv) > 4 else "test_app_secret_0123456789abcdef").encode()
run = uuid.uuid4().hex[:8]
now = int(time.time())
os.makedirs(out, exist_ok=True)
for t in range(1, threads + 1):
    with open(os.path.join(out, f"bodies-{t}.txt"), "w") as f:
        for i in range(per):
            wa = str(4915100000000 + (i % 3000))
            body = ('{"object":"whatsapp_business_account","entry":[{"id":"104857600123456","changes":[{"value":'
                    '{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100200","phone_number_id":"100000000000001"},'
                    f'"contacts":[{{"profile":{{"name":"Bench Customer {i % 3000}"}},"wa_id":"{wa}"}}],'
                    f'"messages":[{{"from":"{wa}","id":"wamid.wrk-{run}-{t}-{i}","timestamp":"{now}","type":"text",'
                    f'"text":{{"body":"Hello, this is benchmark message number {i} asking about order #{1000 + i % 9000}. Is it shipped yet?"}}}}]}},'
                    '"field":"messages"}]}]}')
            sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
            f.write(sig + "\t" + body + "\n")
print(f"{threads} x {per} signed bodies in {out}")
