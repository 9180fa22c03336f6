/*
 * pptpgw's DPDK shim: exactly what C# cannot P/Invoke from libdpdk's shared libraries, because DPDK defines it
 * static inline in its headers (rte_eth_rx_burst/tx_burst, rte_pktmbuf_alloc_bulk, the data pointer and length
 * fields, rte_ring_*_burst), plus the two per-burst loops that move an mbuf's data window into the gateway's packet
 * descriptor and back (src/Dataplane/Buffers/PacketBuffer.cs), so that a burst crosses into native code once.
 * Everything else (EAL, ethdev, mempool and ring set-up) is P/Invoked directly from
 * src/Dataplane/Ports/Dpdk/DpdkNative.cs. Built by ./build.sh when `pkg-config libdpdk` works.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

/* The C view of PacketBuffer (64 bytes, one cache line); the C# side checks pgw_abi() at start-up. */
struct pgw_packet {
    uint8_t *buffer_address; /* 0 */
    struct rte_mbuf *native; /* 8 */
    uint16_t data_offset;    /* 16 */
    uint16_t data_length;    /* 18 */
    uint16_t buffer_length;  /* 20 */
    uint16_t port;           /* 22 */
    uint32_t peer_address;   /* 24 */
    int32_t session_index;   /* 28 */
    uint32_t user_data;      /* 32 */
    int32_t pool_index;      /* 36 */
    int32_t state;           /* 40 */
    uint8_t pad[20];
};
_Static_assert(sizeof(struct pgw_packet) == 64, "PacketBuffer is 64 bytes");
_Static_assert(offsetof(struct pgw_packet, state) == 40, "PacketBuffer.State at 40");

/* Where the mbufs' pinned external buffers live: the gateway's packet slab (PacketPool), buffer i at
 * buffers + i * buffer_size, its descriptor at descriptors + i. */
struct pgw_map {
    struct pgw_packet *descriptors;
    uint8_t *buffers;
    uint32_t buffer_size;
    int32_t state_allocated;
};

/* Layout facts the C# side verifies before it trusts the helpers: a version, then sizes and offsets. */
int32_t pgw_abi(int32_t *out, int32_t n)
{
    int32_t v[] = { 1, (int32_t)sizeof(struct pgw_packet), (int32_t)sizeof(struct rte_mbuf),
                    (int32_t)offsetof(struct rte_mbuf, data_off), (int32_t)offsetof(struct rte_mbuf, pkt_len),
                    (int32_t)offsetof(struct rte_mbuf, data_len), (int32_t)sizeof(struct pgw_map),
                    RTE_PKTMBUF_HEADROOM, (int32_t)sizeof(struct rte_eth_conf),
                    (int32_t)sizeof(struct rte_eth_stats) };
    int32_t count = (int32_t)(sizeof v / sizeof v[0]);
    for (int32_t i = 0; i < n && i < count; i++)
        out[i] = v[i];
    return count;
}

/* Exact division by the slab's buffer size without a divide instruction (one per packet cost ~25-40 cycles): buf_addr
 * is always the start of a slab buffer, so its offset is an exact multiple of buffer_size = odd << shift, and
 * offset / buffer_size = (offset >> shift) * odd^-1 mod 2^64 (Hacker's Delight 10-16, exact division by a constant). */
struct pgw_divisor {
    uint64_t inverse;
    uint32_t shift;
};

static inline struct pgw_divisor pgw_divisor_of(uint32_t size)
{
    struct pgw_divisor v;
    v.shift = (uint32_t)__builtin_ctz(size);
    uint64_t odd = size >> v.shift;
    uint64_t x = odd; /* Newton's iteration x = x (2 - odd x): 3, 6, 12, 24, 48, 96 correct bits */
    for (int i = 0; i < 5; i++)
        x *= 2 - odd * x;
    v.inverse = x;
    return v;
}

static inline struct pgw_packet *pgw_descriptor_of(const struct pgw_map *map, struct pgw_divisor div, const struct rte_mbuf *m)
{
    uint64_t offset = (uint64_t)((uint8_t *)m->buf_addr - map->buffers);
    return map->descriptors + (size_t)((offset >> div.shift) * div.inverse);
}

static inline void pgw_fill(struct pgw_packet *d, struct rte_mbuf *m, uint16_t port, int32_t state)
{
    d->native = m;
    d->data_offset = m->data_off;
    d->data_length = m->data_len; /* one segment: the port is configured without scatter */
    d->port = port;
    d->peer_address = 0;
    d->session_index = -1;
    d->user_data = 0;
    d->state = state;
}

static inline struct pgw_packet *pgw_bind(const struct pgw_map *map, struct pgw_divisor div, struct rte_mbuf *m, uint16_t port)
{
    struct pgw_packet *d = pgw_descriptor_of(map, div, m);
    pgw_fill(d, m, port, map->state_allocated);
    return d;
}

/* rte_eth_rx_burst, then each mbuf's data window copied into its descriptor: out[] receives descriptor pointers. */
uint16_t pgw_rx_burst(uint16_t port_id, uint16_t queue_id, const struct pgw_map *map, uint16_t port_stamp,
                      struct pgw_packet **out, uint16_t n)
{
    struct rte_mbuf *mbufs[64];
    if (n > 64)
        n = 64;
    uint16_t got = rte_eth_rx_burst(port_id, queue_id, mbufs, n);
    if (got == 0)
        return 0;
    /* Two passes: find every descriptor and prefetch its line for writing (8192 of them are 512 KiB, mostly out of L1/L2
     * when an mbuf comes back round), then fill them. */
    struct pgw_divisor div = pgw_divisor_of(map->buffer_size);
    for (uint16_t i = 0; i < got; i++) {
        struct pgw_packet *d = pgw_descriptor_of(map, div, mbufs[i]);
        out[i] = d;
        __builtin_prefetch(d, 1, 3);
    }
    int32_t state = map->state_allocated;
    uint16_t kept = 0;
    for (uint16_t i = 0; i < got; i++) {
        struct rte_mbuf *m = mbufs[i];
        if (unlikely(m->nb_segs != 1)) { /* cannot happen without scatter; never hand a chain on */
            rte_pktmbuf_free(m);
            continue;
        }
        struct pgw_packet *d = out[i];
        pgw_fill(d, m, port_stamp, state);
        out[kept++] = d;
    }
    return kept;
}

/* Descriptors (all mbuf-backed) back into their mbufs' data windows, then rte_eth_tx_burst; returns how many the
 * driver took (their descriptors are marked free: the driver frees the mbufs). */
uint16_t pgw_tx_burst(uint16_t port_id, uint16_t queue_id, struct pgw_packet **packets, uint16_t n)
{
    struct rte_mbuf *mbufs[64];
    if (n > 64)
        n = 64;
    for (uint16_t i = 0; i < n; i++) {
        struct pgw_packet *d = packets[i];
        struct rte_mbuf *m = d->native;
        m->data_off = d->data_offset;
        m->data_len = d->data_length;
        m->pkt_len = d->data_length;
        mbufs[i] = m;
    }
    uint16_t sent = rte_eth_tx_burst(port_id, queue_id, mbufs, n);
    for (uint16_t i = 0; i < sent; i++)
        packets[i]->state = 0;
    return sent;
}

/* rte_pktmbuf_alloc_bulk, returning bound descriptors (data offset = headroom, length 0). */
int32_t pgw_alloc_bulk(struct rte_mempool *pool, const struct pgw_map *map, struct pgw_packet **out, uint16_t n)
{
    struct rte_mbuf *mbufs[64];
    if (n > 64)
        n = 64;
    if (rte_pktmbuf_alloc_bulk(pool, mbufs, n) != 0)
        return 0;
    struct pgw_divisor div = pgw_divisor_of(map->buffer_size);
    for (uint16_t i = 0; i < n; i++)
        out[i] = pgw_bind(map, div, mbufs[i], 0);
    return n;
}

/* One mbuf back to its pool (the descriptor's Native). */
void pgw_free(struct rte_mbuf *m)
{
    rte_pktmbuf_free(m);
}

void pgw_free_bulk(struct rte_mbuf **mbufs, uint32_t n)
{
    rte_pktmbuf_free_bulk(mbufs, n);
}

/* rte_errno and rte_lcore_id() are thread-local variables behind macros: not reachable by P/Invoke. */
int32_t pgw_errno(void)
{
    return rte_errno;
}

uint32_t pgw_lcore_id(void)
{
    return rte_lcore_id();
}

/* The raw inline primitives, for code that wants them without descriptors (benchmarks, hand-off rings). */
uint16_t pgw_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **mbufs, uint16_t n)
{
    return rte_eth_rx_burst(port_id, queue_id, mbufs, n);
}

uint16_t pgw_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **mbufs, uint16_t n)
{
    return rte_eth_tx_burst(port_id, queue_id, mbufs, n);
}

int32_t pgw_mbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, uint32_t n)
{
    return rte_pktmbuf_alloc_bulk(pool, mbufs, n);
}

void *pgw_mbuf_data(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod(m, void *);
}

uint32_t pgw_mbuf_length(const struct rte_mbuf *m)
{
    return m->data_len;
}

void pgw_mbuf_set_window(struct rte_mbuf *m, uint16_t data_offset, uint16_t length)
{
    m->data_off = data_offset;
    m->data_len = length;
    m->pkt_len = length;
}

uint32_t pgw_ring_enqueue_burst(struct rte_ring *r, void *const *objects, uint32_t n)
{
    return rte_ring_enqueue_burst(r, objects, n, NULL);
}

uint32_t pgw_ring_dequeue_burst(struct rte_ring *r, void **objects, uint32_t n)
{
    return rte_ring_dequeue_burst(r, objects, n, NULL);
}

uint32_t pgw_ring_count(const struct rte_ring *r)
{
    return rte_ring_count(r);
}
