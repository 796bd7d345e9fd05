"""`cchc serve`: the scoring, what-if and administrator pages under one Voilà server on 127.0.0.1."""

from __future__ import annotations

import os

from cchc_widgets.cli.table import Command, Request, option
from cchc_widgets.core import clock
from cchc_widgets.core.errors import Problem, ProblemsError


def default_pool(kernels: str) -> int:
    """Scoring kernels kept ready by default: none when they are forked (a kernel is ready in
    ≈ 0,1 s of CPU, and a kept one costs memory while idle and helps only the first of a crowd:
    bench/load_bench.py, README «Sizing»); one when each is a new interpreter."""
    return 0 if kernels == "fork" else 1


def cmd_serve(req: Request) -> int:
    from cchc_widgets.app.voila import ADMIN_NOTEBOOK, SCORING_NOTEBOOK, WHATIF_NOTEBOOK, voila_command
    from cchc_widgets.services.demo import load_demo
    from cchc_widgets.services.permissions import Actor, allowed

    args = req.args
    if not 1 <= args.port <= 65535:
        raise ProblemsError([Problem("--port", f"cổng phải từ 1 đến 65535; đã nhập {args.port}")])
    args.proxy = [address.strip() for address in args.proxy or [] if address.strip()]
    if args.auth == "header" and not args.proxy:
        said = "hãy nêu địa chỉ của proxy xác thực: --proxy ĐỊA_CHỈ (127.0.0.1 khi nó ở cùng máy); không tin ai khi chưa nêu"
        raise ProblemsError([Problem("--auth header", said)])
    started = clock.now()  # a zone or a stopped clock the settings name wrongly is refused here, not in every kernel
    store = req.store
    if store.periods().empty:
        load_demo(store)
        print(f"kho {store.where} trống: đã nạp dữ liệu mẫu (mô phỏng)")
    if args.auth == "accounts" and not any(allowed(Actor("", "", role), "administer") for role in store.accounts()["role"]):
        print("chưa có tài khoản quản trị: tạo bằng `cchc users add LOGIN --role admin` (mật khẩu từ đầu vào chuẩn)", flush=True)
    if args.auth == "none":
        print("chạy không đăng nhập (--auth none): chỉ dùng trên máy của một người", flush=True)
    if args.auth == "header":
        print(
            f"--auth header: mọi tiến trình tại {', '.join(args.proxy)} gửi tiêu đề {args.user_header} đều được tin là người "
            "đã đăng nhập; chỉ để proxy xác thực của tỉnh ở địa chỉ đó",
            flush=True,
        )
    base = f"http://127.0.0.1:{args.port}/voila/render"
    print(f"Ứng dụng chấm điểm: {base}/{SCORING_NOTEBOOK}", flush=True)
    print(f"Thử trọng số:       {base}/{WHATIF_NOTEBOOK}", flush=True)
    print(f"Quản trị:           {base}/{ADMIN_NOTEBOOK}  (Ctrl+C để dừng)", flush=True)
    print(f"Giờ của tỉnh:       {started:%H:%M %d/%m/%Y} ({clock.zone()}; hạn của giai đoạn tính theo ngày này)", flush=True)
    if args.pool is None:
        args.pool = default_pool(args.kernels)
    if args.pool < 0:
        raise ProblemsError([Problem("--pool", f"số kernel sẵn sàng không thể âm; đã nhập {args.pool}")])
    if not 0 <= args.refill_delay <= 3600:
        raise ProblemsError([Problem("--refill-delay", f"cần từ 0 đến 3600 giây; đã nhập {args.refill_delay:g}")])
    ready = {"pool": args.pool, "refill_delay": args.refill_delay, "forked": args.kernels == "fork"}
    command = voila_command(args.port, auth=args.auth, user_header=args.user_header, proxies=args.proxy, **ready)
    env = {**os.environ, "CCHC_DB": store.url, "CCHC_AUTH": args.auth}  # the kernels read both
    # ipykernel imports debugpy, which prints four English lines about frozen modules to the
    # administrator's terminal; nobody debugs the app's kernels through it
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.execve(command[0], command, env)  # one process: one SIGTERM stops it
    return 0  # not reached


COMMANDS = (
    Command(
        "serve",
        "chạy các trang chấm điểm, thử trọng số, quản trị (Voilà, 127.0.0.1)",
        cmd_serve,
        (
            option("--port", type=int, default=8866, help="mặc định 8866"),
            option(
                "--auth",
                choices=["accounts", "header", "none"],
                default="accounts",
                help="accounts: đăng nhập bằng tài khoản trong kho (mặc định); header: proxy tin cậy cho biết người dùng; "
                "none: một người trên máy riêng, không đăng nhập",
            ),
            option("--user-header", default="X-Forwarded-User", help="với --auth header (mặc định X-Forwarded-User)"),
            option(
                "--pool",
                type=int,
                help="số kernel trang chấm điểm để sẵn cho người mở trang cùng lúc (mặc định 0 với --kernels fork: kernel "
                "tách từ tiến trình mẹ khởi động trong vài mili giây; 1 với --kernels popen, ≈ 120 MB mỗi kernel)",
            ),
            option(
                "--refill-delay",
                type=float,
                default=1.0,
                metavar="SECONDS",
                help="chờ trước khi thay một kernel sẵn sàng đã dùng (mặc định 1): với --pool lớn, chờ lâu hơn để "
                "việc thay kernel không tranh CPU với người vừa mở trang",
            ),
            option(
                "--kernels",
                choices=["fork", "popen"],
                default="fork",
                help="fork: kernel của mỗi trang được tách (fork) từ một tiến trình mẹ đã nạp sẵn thư viện (mặc định; vài "
                "mili giây và vài MB mỗi kernel); popen: mỗi kernel một trình thông dịch mới như Jupyter vẫn làm (1–2 s "
                "CPU, ≈ 120 MB mỗi kernel)",
            ),
            option(
                "--proxy",
                action="append",
                metavar="ADDRESS",
                help="địa chỉ của reverse proxy (lặp lại được): bắt buộc với --auth header, chỉ tin tiêu đề người dùng của "
                "nó; với accounts, tin X-Forwarded-For và X-Forwarded-Proto của nó (địa chỉ của từng người, HTTPS)",
            ),
        ),
    ),
)
