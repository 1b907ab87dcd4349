/* Open-loop HTTP/1.1 load generator: the C twin of bench/s2s_loadgen.py's OpenLoop.
 *
 *   s2s_loadgen REQUESTS HOST PORT RATE START MAX_CONNECTIONS OUT
 *
 * REQUESTS holds complete pre-signed requests, each as a 4-byte little-endian length and then
 * the bytes (written by bench/s2s_loadgen.py). Request i is due at START + i / RATE (START is a
 * Unix time) whether or not earlier ones were answered; it goes out on an idle keep-alive
 * connection, or waits for one while a new connection opens (at most MAX_CONNECTIONS). Its
 * latency counts from when it was due, so a stalled server shows in the percentiles rather
 * than slowing the load (no coordinated omission). After the schedule, outstanding requests get
 * TIMEOUT_S to be answered and are then counted as "timeout". OUT receives the same JSON as the
 * Python version: ok, due, non2xx, errors, statuses, latenciesMs.
 *
 * One thread and epoll, to leave the shared cores to the system under test: about 11 us of CPU
 * per request at 2,000/s against the Python client's 29, nearly all of it in the kernel
 * (loopback TCP on send and receive, wake-ups).
 *
 * Build: gcc -O2 -Wall -Wextra -o s2s_loadgen bench/s2s_loadgen.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_S 5.0
/* Wakes every TICK_S (or when the next request is due, if later), sends what has fallen due
 * and handles whatever else is ready. A wake-up costs more than a request here (10-20 us on
 * this virtual machine): waking per answer cost 29 us of CPU per request at 1,500/s, every
 * 1 ms 19 us, every 2 ms 12 us. A request goes out up to a tick after it was due and that
 * counts in its latency, as in the Python version (same tick). Answers are timed by the kernel
 * on arrival, so handling them up to a tick late does not show. */
#ifndef TICK_S
#define TICK_S 0.002
#endif
#define PREOPEN 32 /* connections opened before the load starts */
#define READ_CHUNK 16384
#define MAX_EVENTS 256

enum state { FREE, CONNECTING, IDLE, BUSY };

struct conn {
    int fd;
    enum state state;
    /* Bumped on every reuse of the slot, so that an event queued for a closed connection is
     * not applied to the next one in the same slot. */
    uint32_t gen;
    size_t req, written;
    double due;
    char *buf;
    size_t len, cap;
};

struct load {
    char *data;
    size_t *offs;
    uint32_t *lens;
    size_t n;
    double rate, t0;
    double real_minus_mono; /* kernel arrival stamps are CLOCK_REALTIME */
    int max_conns, epfd, busy, opening;
    struct conn *conns;
    int *idle;
    int nidle;
    size_t *waiting, whead, wtail; /* FIFO: each request waits at most once */
    struct sockaddr_storage addr;
    socklen_t addrlen; /* 0 when the host did not resolve: every open then fails */
    double *lat;
    size_t nlat;
    unsigned long statuses[1000];
    unsigned long err_connect, err_lost, err_timeout, err_bad;
};

static double seconds(const struct timespec *ts)
{
    return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return seconds(&ts);
}

static double real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return seconds(&ts);
}

static void nap_until(double when)
{
    struct timespec ts = {(time_t)when, (long)((when - (double)(time_t)when) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void sleep_until_unix(double start)
{
    double left = start - real();
    if (left > 0)
        nap_until(mono() + left);
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        perror("s2s_loadgen: malloc");
        exit(1);
    }
    return p;
}

/* ---- requests file ---- */

static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "s2s_loadgen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 20, len = 0;
    char *data = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            data = realloc(data, cap);
            if (!data) {
                perror("s2s_loadgen: realloc");
                exit(1);
            }
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "s2s_loadgen: reading %s failed\n", path);
        exit(1);
    }
    fclose(f);
    *size = len;
    return data;
}

static void load_requests(struct load *L, const char *path)
{
    size_t size, pos = 0, n = 0;
    L->data = read_all(path, &size);
    while (pos + 4 <= size) {
        const unsigned char *p = (const unsigned char *)L->data + pos;
        size_t len = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
        pos += 4 + len;
        n++;
    }
    if (pos != size) {
        fprintf(stderr, "s2s_loadgen: %s: truncated record\n", path);
        exit(1);
    }
    L->n = n;
    L->offs = xmalloc(n * sizeof *L->offs);
    L->lens = xmalloc(n * sizeof *L->lens);
    pos = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)L->data + pos;
        L->lens[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
        L->offs[i] = pos + 4;
        pos += 4 + L->lens[i];
    }
}

static void resolve(struct load *L, const char *host, const char *port)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    /* IPv4 first: "localhost" may list ::1 first while the server listens on 127.0.0.1. */
    hints.ai_family = AF_INET;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        hints.ai_family = AF_UNSPEC;
        rc = getaddrinfo(host, port, &hints, &res);
    }
    if (rc != 0) {
        fprintf(stderr, "s2s_loadgen: %s:%s: %s\n", host, port, gai_strerror(rc));
        return;
    }
    memcpy(&L->addr, res->ai_addr, res->ai_addrlen);
    L->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
}

/* ---- connections ---- */

static void watch(struct load *L, int slot, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events};
    ev.data.u64 = (uint64_t)L->conns[slot].gen << 32 | (uint32_t)slot;
    if (epoll_ctl(L->epfd, op, L->conns[slot].fd, &ev) != 0) {
        perror("s2s_loadgen: epoll_ctl");
        exit(1);
    }
}

static void release(struct load *L, int slot)
{
    struct conn *c = &L->conns[slot];
    close(c->fd); /* also drops it from the epoll set */
    c->fd = -1;
    c->state = FREE;
    c->len = 0;
    c->gen++;
}

/* The connection closed or failed: a request in flight on it is lost, not retried. */
static void lost(struct load *L, int slot)
{
    struct conn *c = &L->conns[slot];
    if (c->state == BUSY) {
        L->busy--;
        L->err_lost++;
    } else if (c->state == CONNECTING) {
        L->opening--;
        L->err_connect++;
    } else if (c->state == IDLE) {
        for (int i = 0; i < L->nidle; i++) {
            if (L->idle[i] == slot) {
                L->idle[i] = L->idle[--L->nidle];
                break;
            }
        }
    }
    release(L, slot);
}

static void flush(struct load *L, int slot)
{
    struct conn *c = &L->conns[slot];
    const char *req = L->data + L->offs[c->req];
    size_t len = L->lens[c->req];
    while (c->written < len) {
        ssize_t w = send(c->fd, req + c->written, len - c->written, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                watch(L, slot, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
                return;
            }
            lost(L, slot);
            return;
        }
        c->written += (size_t)w;
    }
}

static void send_request(struct load *L, int slot, size_t req)
{
    struct conn *c = &L->conns[slot];
    c->state = BUSY;
    c->req = req;
    c->written = 0;
    c->due = L->t0 + (double)req / L->rate;
    L->busy++;
    flush(L, slot);
}

/* A connection is free: it carries the oldest waiting request, or waits for the next one. */
static void take(struct load *L, int slot)
{
    if (L->whead != L->wtail) {
        send_request(L, slot, L->waiting[L->whead++]);
    } else {
        L->conns[slot].state = IDLE;
        L->idle[L->nidle++] = slot;
    }
}

static void open_connection(struct load *L)
{
    int slot = 0;
    while (L->conns[slot].state != FREE)
        slot++; /* a free slot exists: fewer than max_conns are open or opening */
    struct conn *c = &L->conns[slot];
    if (L->addrlen == 0) {
        L->err_connect++;
        return;
    }
    c->fd = socket(L->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        L->err_connect++;
        return;
    }
    int one = 1;
    /* asyncio sets it too; without it a request may sit in Nagle's buffer. */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&L->addr, L->addrlen) == 0) {
        c->state = IDLE;
        watch(L, slot, EPOLLIN, EPOLL_CTL_ADD);
        take(L, slot);
    } else if (errno == EINPROGRESS) {
        c->state = CONNECTING;
        L->opening++;
        watch(L, slot, EPOLLOUT, EPOLL_CTL_ADD);
    } else {
        L->err_connect++;
        release(L, slot);
    }
}

static void dispatch(struct load *L, size_t req)
{
    if (L->nidle > 0) {
        send_request(L, L->idle[--L->nidle], req);
        return;
    }
    L->waiting[L->wtail++] = req;
    if (L->busy + L->opening < L->max_conns)
        open_connection(L);
}

static void connected(struct load *L, int slot)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(L->conns[slot].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        lost(L, slot);
        return;
    }
    L->opening--;
    L->conns[slot].state = IDLE;
    watch(L, slot, EPOLLIN, EPOLL_CTL_MOD);
    take(L, slot);
}

/* ---- responses ---- */

static size_t content_length(const char *head, size_t end)
{
    static const char name[] = "content-length:";
    size_t length = 0;
    for (const char *line = memchr(head, '\n', end); line && line < head + end;
         line = memchr(line, '\n', (size_t)(head + end - line))) {
        line++;
        if ((size_t)(head + end - line) < sizeof name - 1 ||
            strncasecmp(line, name, sizeof name - 1) != 0)
            continue;
        const char *p = line + sizeof name - 1;
        while (*p == ' ' || *p == '\t')
            p++;
        for (length = 0; *p >= '0' && *p <= '9'; p++)
            length = length * 10 + (size_t)(*p - '0');
    }
    return length;
}

/* 1 and the status when a whole response is buffered (and consumed), 0 when more is needed,
 * -1 when it is not HTTP. */
static int parse_response(struct conn *c, int *status)
{
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - c->buf);
    if (head < 12 || memcmp(c->buf, "HTTP/", 5) != 0)
        return -1;
    const char *s = c->buf + 9;
    for (int i = 0; i < 3; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    size_t total = head + 4 + content_length(c->buf, head);
    if (c->len < total)
        return 0;
    *status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    memmove(c->buf, c->buf + total, c->len - total);
    c->len -= total;
    return 1;
}

/* recv() that also reports when the kernel received the data (0 when it does not say). */
static ssize_t receive(struct conn *c, double *arrived)
{
    struct iovec iov = {c->buf + c->len, c->cap - c->len};
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t got = recvmsg(c->fd, &msg, 0);
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); got > 0 && cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(cm), sizeof ts);
            *arrived = seconds(&ts);
        }
    }
    return got;
}

static void readable(struct load *L, int slot)
{
    struct conn *c = &L->conns[slot];
    if (c->cap - c->len < READ_CHUNK) {
        c->cap = c->cap ? c->cap * 2 : READ_CHUNK * 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf) {
            perror("s2s_loadgen: realloc");
            exit(1);
        }
    }
    double arrived = 0;
    ssize_t got = receive(c, &arrived);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (got <= 0) {
        lost(L, slot);
        return;
    }
    if (c->state != BUSY) {
        c->len = 0; /* nothing was asked on this connection: nothing to answer */
        return;
    }
    c->len += (size_t)got;
    int status = 0;
    int parsed = parse_response(c, &status);
    if (parsed < 0) {
        L->err_bad++;
        L->busy--;
        c->state = IDLE; /* so that lost() does not count it twice */
        lost(L, slot);
        return;
    }
    if (parsed == 0)
        return;
    L->statuses[status]++;
    if (arrived == 0)
        arrived = real();
    L->lat[L->nlat++] = (arrived - L->real_minus_mono - c->due) * 1000.0;
    L->busy--;
    take(L, slot);
}

static void handle(struct load *L, const struct epoll_event *ev)
{
    int slot = (int)(uint32_t)ev->data.u64;
    struct conn *c = &L->conns[slot];
    if (c->state == FREE || c->gen != (uint32_t)(ev->data.u64 >> 32))
        return;
    if (c->state == CONNECTING) {
        connected(L, slot);
        return;
    }
    if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        readable(L, slot);
        if (c->state == FREE || c->gen != (uint32_t)(ev->data.u64 >> 32))
            return;
    }
    if ((ev->events & EPOLLOUT) && c->state == BUSY) {
        flush(L, slot);
        if (c->state == BUSY && c->written == L->lens[c->req])
            watch(L, slot, EPOLLIN, EPOLL_CTL_MOD);
    }
}

/* Handles every ready event without sleeping. */
static void harvest(struct load *L)
{
    struct epoll_event events[MAX_EVENTS];
    int n;
    do {
        n = epoll_wait(L->epfd, events, MAX_EVENTS, 0);
        if (n < 0 && errno != EINTR) {
            perror("s2s_loadgen: epoll_wait");
            exit(1);
        }
        for (int i = 0; i < n; i++)
            handle(L, &events[i]);
    } while (n == MAX_EVENTS);
}

static int settled(const struct load *L)
{
    return L->busy == 0 && L->whead == L->wtail;
}

static size_t run(struct load *L)
{
    size_t sent = 0;
    L->t0 = mono();
    L->real_minus_mono = real() - L->t0;
    for (;;) {
        harvest(L);
        double now = mono();
        size_t due_now = (size_t)((now - L->t0) * L->rate) + 1;
        if (due_now > L->n)
            due_now = L->n;
        while (sent < due_now)
            dispatch(L, sent++);
        if (L->opening > 0)
            harvest(L); /* a local connect is usually done already: its request need not wait */
        if (sent == L->n)
            break;
        double next = L->t0 + (double)sent / L->rate;
        nap_until(next > now + TICK_S ? next : now + TICK_S);
    }
    double deadline = mono() + TIMEOUT_S;
    for (harvest(L); !settled(L) && mono() < deadline; harvest(L))
        nap_until(mono() + TICK_S);
    L->err_timeout += (unsigned long)L->busy + (unsigned long)(L->wtail - L->whead);
    for (int i = 0; i < L->max_conns; i++)
        if (L->conns[i].state != FREE)
            close(L->conns[i].fd);
    return sent;
}

static void write_error(FILE *f, int *first, const char *name, unsigned long count)
{
    if (!count)
        return;
    fprintf(f, "%s\"%s\": %lu", *first ? "" : ", ", name, count);
    *first = 0;
}

static void write_result(const struct load *L, size_t due, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "s2s_loadgen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    unsigned long ok = 0, answered = 0;
    for (int s = 0; s < 1000; s++) {
        answered += L->statuses[s];
        if (s >= 200 && s < 300)
            ok += L->statuses[s];
    }
    fprintf(f, "{\"ok\": %lu, \"due\": %zu, \"non2xx\": %lu, \"errors\": {", ok, due,
            answered - ok);
    int first = 1;
    write_error(f, &first, "connect", L->err_connect);
    write_error(f, &first, "connection_lost", L->err_lost);
    write_error(f, &first, "bad_response", L->err_bad);
    write_error(f, &first, "timeout", L->err_timeout);
    fputs("}, \"statuses\": {", f);
    first = 1;
    for (int s = 0; s < 1000; s++) {
        if (!L->statuses[s])
            continue;
        fprintf(f, "%s\"%d\": %lu", first ? "" : ", ", s, L->statuses[s]);
        first = 0;
    }
    fputs("}, \"latenciesMs\": [", f);
    for (size_t i = 0; i < L->nlat; i++)
        fprintf(f, "%s%.3f", i ? ", " : "", L->lat[i]);
    fputs("]}", f);
    if (fclose(f) != 0) {
        fprintf(stderr, "s2s_loadgen: writing %s failed\n", path);
        exit(1);
    }
}

static double number(const char *text, const char *what)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || *end) {
        fprintf(stderr, "s2s_loadgen: bad %s: %s\n", what, text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr,
                "usage: %s REQUESTS HOST PORT RATE START MAX_CONNECTIONS OUT\n",
                argc ? argv[0] : "s2s_loadgen");
        return 2;
    }
    static struct load L;
    L.rate = number(argv[4], "RATE");
    double start = number(argv[5], "START");
    double most = number(argv[6], "MAX_CONNECTIONS");
    if (!(L.rate > 0) || most < 1 || most > 65536) {
        fprintf(stderr, "s2s_loadgen: RATE must be > 0 and MAX_CONNECTIONS in 1..65536\n");
        return 2;
    }
    L.max_conns = (int)most;
    load_requests(&L, argv[1]);
    resolve(&L, argv[2], argv[3]);
    L.conns = xmalloc((size_t)L.max_conns * sizeof *L.conns);
    memset(L.conns, 0, (size_t)L.max_conns * sizeof *L.conns);
    for (int i = 0; i < L.max_conns; i++)
        L.conns[i].fd = -1;
    L.idle = xmalloc((size_t)L.max_conns * sizeof *L.idle);
    L.waiting = xmalloc(L.n * sizeof *L.waiting);
    L.lat = xmalloc(L.n * sizeof *L.lat);
    L.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (L.epfd < 0) {
        perror("s2s_loadgen: epoll_create1");
        return 1;
    }
    /* A brand's server keeps its connection pool warm; opening it here, before the clock
       starts, keeps the first second from measuring connection set-up instead of the stack. */
    int warm = L.max_conns < PREOPEN ? L.max_conns : PREOPEN;
    for (int i = 0; i < warm; i++)
        open_connection(&L);
    for (double until = mono() + 2.0; L.opening > 0 && mono() < until;) {
        harvest(&L);
        nap_until(mono() + 0.001);
    }
    sleep_until_unix(start);
    size_t due = run(&L);
    write_result(&L, due, argv[7]);
    return 0;
}
