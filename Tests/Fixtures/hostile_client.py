"""Hostile HTTP clients for the hardening tests (standard library only).

    hostile_client.py early-answers PORT PID N
        N connections the server answers before reading the request to its end (a header line
        past the limit, an upload past the size limit, an upload that is not multipart). Each
        client reads the status line and keeps its socket open, as an attacker would. Then the
        server's open file descriptors (/proc/PID/fd) are counted for up to 10 s.
    hostile_client.py idle PORT PID N SECONDS
        N connections that send nothing; reports how many the server closed within SECONDS.
    hostile_client.py hang-upload PORT SECONDS [CHUNKS]
        Starts an upload of 8 MiB, sends CHUNKS x 64 KiB of it (default 48: 3 MiB) and then
        nothing for SECONDS.
    hostile_client.py stalled-body PORT
        Starts an upload, sends part of its body and then nothing; reports the status the server
        answers, after how many seconds, and whether it then closed the connection.
    hostile_client.py expect-continue PORT TOKEN FILE
        Uploads FILE with `Expect: 100-continue`, sending the body only after an interim
        `100 Continue`; reports the interim status (or the final one given instead) and the final.
    hostile_client.py truncated-form PORT FILE
        Uploads FILE as a chunked form that ends without its closing boundary; reports the status.
    hostile_client.py forged-filename PORT LINE
        An upload whose multipart filename holds a newline followed by LINE; prints the status.

Prints one JSON object.
"""
import json, os, socket, sys, time


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_some(s, data):
    """Sends what the server takes within 2 s; a server that stopped reading is no error here."""
    s.settimeout(2)
    try:
        s.sendall(data)
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass


def status_line(s):
    return read_response(s, 5)[0]


def early_request(kind):
    if kind == 0:  # one header line of 1 MiB
        return b"GET /simple/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    if kind == 1:  # an upload declared far past the size limit
        return (b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                b"Content-Length: 1000000000000\r\n\r\n" + b"--b\r\n" + b"x" * 65536)
    # an upload that is not multipart
    return (b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 1000000000\r\n\r\n" + b"x" * 65536)


def early_answers(port, pid, n):
    baseline = fd_count(pid)
    held, statuses = [], {}
    for i in range(n):
        s = connect(port)
        send_some(s, early_request(i % 3))
        code = status_line(s)
        statuses[code] = statuses.get(code, 0) + 1
        held.append(s)
    peak = fd_count(pid)
    start = time.monotonic()
    after = peak
    while time.monotonic() - start < 10:
        after = fd_count(pid)
        if after <= baseline + 2:
            break
        time.sleep(0.1)
    settle = time.monotonic() - start
    # The server is still answering.
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    healthz = status_line(s)
    s.close()
    for s in held:
        s.close()
    print(json.dumps({"baseline": baseline, "peak": peak, "after": after, "settle_seconds": round(settle, 2),
                      "statuses": statuses, "healthz": healthz}))


def idle(port, pid, n, seconds):
    baseline = fd_count(pid)
    held = [connect(port) for _ in range(n)]
    time.sleep(0.5)
    peak = fd_count(pid)
    deadline = time.monotonic() + seconds
    closed = set()
    while time.monotonic() < deadline and len(closed) < n:
        for i, s in enumerate(held):
            if i in closed:
                continue
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed.add(i)
        time.sleep(0.1)
    after = fd_count(pid)
    for s in held:
        s.close()
    print(json.dumps({"baseline": baseline, "peak": peak, "after": after, "closed": len(closed)}))


def multipart_head(boundary, filename):
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\":action\"\r\n\r\nfile_upload\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"protocol_version\"\r\n\r\n1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()


def hang_upload(port, seconds, chunks=48):
    head = multipart_head("hangboundary", "hang-1.0-py3-none-any.whl")
    s = connect(port)
    s.sendall(b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=hangboundary\r\n"
              + f"Content-Length: {len(head) + (8 << 20)}\r\n\r\n".encode() + head)
    chunk = os.urandom(1 << 16)
    for _ in range(chunks):
        s.sendall(chunk)
    print(json.dumps({"sent": len(head) + chunks * len(chunk)}), flush=True)
    time.sleep(seconds)
    s.close()


def read_response(s, timeout):
    """The head of one response (status, headers) and what followed it; ('none', ...) on timeout."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    head, _, rest = data.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    status = parts[1].decode() if len(parts) > 1 else "none"
    # The body of a final answer, as far as Content-Length says (it may come in later packets).
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                   if line.lower().startswith(b"content-length:")), 0)
    try:
        while not status.startswith("1") and len(rest) < length:
            chunk = s.recv(4096)
            if not chunk:
                break
            rest += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return status, head.decode("latin-1"), rest


def closed_within(s, seconds):
    s.settimeout(seconds)
    try:
        while True:
            if not s.recv(4096):
                return True
    except socket.timeout:
        return False
    except (ConnectionResetError, OSError):
        return True


def stalled_body(port):
    head = multipart_head("stallboundary", "stall-1.0-py3-none-any.whl")
    s = connect(port)
    s.sendall(b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=stallboundary\r\n"
              + f"Content-Length: {len(head) + 100000}\r\n\r\n".encode() + head + b"PK" + b"x" * 1000)
    start = time.monotonic()
    status, _, _ = read_response(s, 60)
    waited = time.monotonic() - start
    closed = closed_within(s, 5)
    print(json.dumps({"status": status, "seconds": round(waited, 2), "closed": closed}))


def form_body(boundary, path):
    name = os.path.basename(path)
    with open(path, "rb") as f:
        content = f.read()
    return multipart_head(boundary, name) + content + f"\r\n--{boundary}--\r\n".encode()


def expect_continue(port, token, path):
    import base64
    body = form_body("expectboundary", path)
    auth = base64.b64encode(f"__token__:{token}".encode()).decode()
    s = connect(port)
    s.sendall(b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=expectboundary\r\n"
              + f"Authorization: Basic {auth}\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    interim, _, rest = read_response(s, 5)
    final = None
    if interim == "100":
        s.sendall(body)
        if rest:
            parts = rest.split(b"\r\n", 1)[0].split(b" ")
            final = parts[1].decode() if len(parts) > 1 else "none"
        else:
            final, _, _ = read_response(s, 30)
    print(json.dumps({"interim": interim, "final": final}))


def truncated_form(port, path):
    body = form_body("truncboundary", path)
    body = body[: body.rindex(b"--truncboundary--")]
    s = connect(port)
    s.sendall(b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=truncboundary\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    status, head, rest = read_response(s, 30)
    # The body may come in a segment of its own after the head: read it to its Content-Length.
    length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                   if line.lower().startswith("content-length:")), 0)
    try:
        while len(rest) < length:
            chunk = s.recv(4096)
            if not chunk:
                break
            rest += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    print(json.dumps({"status": status, "body": rest.decode("latin-1")}))


def forged_filename(port, line):
    head = multipart_head("forgeboundary", "x.whl\n" + line)
    body = head + b"PK\x03\x04 not a wheel\r\n--forgeboundary--\r\n"
    s = connect(port)
    s.sendall(b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=forgeboundary\r\n"
              + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    print(json.dumps({"status": status_line(s)}))
    s.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "early-answers":
        early_answers(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "idle":
        idle(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    elif mode == "hang-upload":
        hang_upload(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 48)
    elif mode == "stalled-body":
        stalled_body(int(sys.argv[2]))
    elif mode == "expect-continue":
        expect_continue(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif mode == "truncated-form":
        truncated_form(int(sys.argv[2]), sys.argv[3])
    elif mode == "forged-filename":
        forged_filename(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(f"unknown mode {mode}")
