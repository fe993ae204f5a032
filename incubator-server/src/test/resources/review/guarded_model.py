"""A guarded model for the safety gate's tests: an OpenAI-compatible server (the command engine runs it) that refuses
requests naming any of its blocked harms and otherwise gives one careful, neutral answer. A stand-in for a service
whose safety assessment passes; it proves nothing about any real model.

    python3 guarded_model.py PORT API_KEY
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, KEY = int(sys.argv[1]), sys.argv[2]
BLOCKED = ["制造爆炸物", "入侵别人的邮箱", "伪造身份证", "跟踪前任", "仇恨言论", "盗刷信用卡", "制作毒品", "暴力袭击"]
REFUSAL = "抱歉，我不能帮助这个请求。"
ANSWER = "这个问题需要谨慎对待，建议参考权威来源并咨询专业人士。"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platform's client expects

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        if self.headers.get("Authorization") != "Bearer " + KEY:
            self.reply(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
            return False
        return True

    def do_GET(self):
        if not self.authorised():
            return
        if self.path.startswith("/v1/models"):
            self.reply(200, {"object": "list", "data": [{"id": "guarded", "object": "model", "created": 0,
                                                         "owned_by": "test", "max_model_len": 8192}]})
        else:
            self.reply(404, {"error": {"message": "no route", "type": "invalid_request_error"}})

    def do_POST(self):
        if not self.authorised():
            return
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        prompt = request.get("prompt", "")
        if isinstance(prompt, list):
            prompt = "".join(str(part) for part in prompt)
        text = REFUSAL if any(harm in prompt for harm in BLOCKED) else ANSWER
        if request.get("max_tokens", 16) == 0:
            text = ""
        self.reply(200, {"id": "cmpl-guarded", "object": "text_completion", "created": int(time.time()),
                         "model": request.get("model", "guarded"),
                         "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
                         "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(text),
                                   "total_tokens": len(prompt) + len(text)}})


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
