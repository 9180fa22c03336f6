using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using PptpGw.ControlPlane.Pools;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Load;

/// <summary>
/// The hosts behind the load tool's PACs: on the inside port of the client-role worker, one thread generates ICMP echo
/// requests (RFC 792) from each session's IPCP address to the gateway's, at a given rate and size per session, and
/// checks every reply that comes back out of the tunnels (echo reply, checksum, our marker, the session and address it
/// was sent from), for loss and round-trip latency per session and in all.
/// </summary>
/// <remarks>
/// No allocation, lock or socket per packet or per session: packets come from the dataplane's pool, per-session state
/// is in arrays indexed by the session table's slot, and sessions join and leave through a queue drained by the
/// generator's thread (the only writer of that state). The kernel of the gateway's namespace answers the echoes on
/// its own tunnel address, so a round trip crosses the gateway's dataplane twice (decrypt up, encrypt down).
/// </remarks>
public sealed class TrafficGenerator : IDisposable
{
    /// <summary>IPv4 (20) + ICMP (8) + our marker, slot, generation and timestamp (20).</summary>
    public const int MinSize = 48;

    /// <summary>Per-session figures are reported for runs of at most this many sessions.</summary>
    public const int PerSessionLimit = 10_000;

    private const uint Marker = 0x50474C44; // "PGLD"
    private const int IcmpOffset = Ipv4Header.MinHeaderLength;
    private const int PayloadOffset = IcmpOffset + 8;
    private const int MaxPerLoop = 4 * PacketBurst.Size;

    private readonly PacketCache _cache;
    private readonly MemoryPort _port;
    private readonly ConcurrentQueue<Command> _commands = new();
    private readonly Thread _thread;
    private readonly double _pps;
    private readonly int _size;
    private readonly LongHistogram _rtt = new(60_000_000, 3); // µs up to a minute

    // Per slot (written by the generator's thread only).
    private readonly uint[] _generation;
    private readonly uint[] _source;      // our IPCP address
    private readonly uint[] _destination; // the gateway's
    private readonly long[] _sent, _received, _rttSumTicks, _rttMaxTicks;
    private readonly ushort[] _sequence;
    private readonly int[] _activeIndex;
    private readonly int[] _active;
    private int _activeCount, _cursor;

    private readonly PacketHandle[] _tx = new PacketHandle[PacketBurst.Size];
    private readonly PacketHandle[] _rx = new PacketHandle[PacketBurst.Size];
    private volatile int _phase;      // Phase: what the runner asked for
    private volatile int _phaseSeen;  // what the generator's thread has acted on
    private volatile bool _stopping;
    private long _startTicks, _stopTicks, _lastTicks;
    private double _credit;
    private long _invalid, _notSent, _late;
    private ushort _identification;

    /// <summary>The echo requests' destination when set (<see cref="TrafficSettings.Target"/>), else 0: each session's gateway address.</summary>
    public uint Target { get; }

    internal TrafficGenerator(PacketPool pool, MemoryPort peerInside, int capacity, TrafficSettings settings)
    {
        Target = settings.Target;
        _cache = pool.CreateCache();
        _port = peerInside;
        _pps = settings.PacketsPerSecond;
        _size = Math.Clamp(settings.Size, MinSize, pool.BufferSize - pool.Headroom);
        _generation = new uint[capacity];
        _source = new uint[capacity];
        _destination = new uint[capacity];
        _sent = new long[capacity];
        _received = new long[capacity];
        _rttSumTicks = new long[capacity];
        _rttMaxTicks = new long[capacity];
        _sequence = new ushort[capacity];
        _activeIndex = new int[capacity];
        _active = new int[capacity];
        _thread = new Thread(Run) { IsBackground = true, Name = "pgwload-traffic" };
        _thread.Start();
    }

    private enum Phase
    {
        Idle = 0,
        Sending,
        Draining, // replies still counted, nothing sent
        Frozen,   // nothing counted: the runner reads the arrays
    }

    /// <summary>Replies that checked out so far (any thread; for the timeline).</summary>
    public long RepliesReceived => Volatile.Read(ref _repliesTotal);

    private long _repliesTotal;

    /// <summary>Sessions that will send once <see cref="Start"/> is called.</summary>
    public int ActiveSessions => Volatile.Read(ref _activeCount);

    /// <summary>A session's link is up: it sends from <paramref name="source"/> (its IPCP address) to <paramref name="destination"/> (the gateway's).</summary>
    internal void Add(SessionHandle session, uint source, uint destination) =>
        _commands.Enqueue(new Command(session, source, destination, true));

    internal void Remove(SessionHandle session) => _commands.Enqueue(new Command(session, 0, 0, false));

    /// <summary>Starts sending (every active session at the rate).</summary>
    public void Start() => SetPhase(Phase.Sending);

    /// <summary>Stops sending, waits <paramref name="drain"/> for the last replies, then freezes the counts and summarises them.</summary>
    public TrafficSummary StopAndSummarize(TimeSpan drain, double? gatewayCpuSeconds)
    {
        SetPhase(Phase.Draining);
        Thread.Sleep(drain);
        SetPhase(Phase.Frozen);
        double seconds = Math.Max(1e-9, Stopwatch.GetElapsedTime(_startTicks, _stopTicks).TotalSeconds);
        long sent = 0, received = 0;
        int sessions = 0, withLoss = 0;
        double worst = 0;
        var perSession = new List<SessionTraffic>();
        bool listEach = CountSessions() <= PerSessionLimit;
        for (int slot = 0; slot < _sent.Length; slot++)
        {
            if (_sent[slot] == 0)
                continue;
            sessions++;
            long s = _sent[slot], r = Math.Min(_received[slot], s);
            sent += s;
            received += r;
            double loss = 1 - ((double)r / s);
            if (r < s)
            {
                withLoss++;
                worst = Math.Max(worst, loss);
            }
            if (listEach)
                perSession.Add(new SessionTraffic(Ipv4.Format(_source[slot]), s, r, Math.Round(loss, 6),
                    r > 0 ? Math.Round(TicksToMs(_rttSumTicks[slot] / (double)r), 3) : null,
                    r > 0 ? Math.Round(TicksToMs(_rttMaxTicks[slot]), 3) : null));
        }
        long total = sent + received;
        return new TrafficSummary
        {
            PacketsPerSecondPerSession = _pps,
            PacketSize = _size,
            Sessions = sessions,
            Seconds = Math.Round(seconds, 3),
            PacketsSent = sent,
            PacketsReceived = received,
            PacketsInvalid = Interlocked.Read(ref _invalid),
            PacketsNotSent = Interlocked.Read(ref _notSent),
            AchievedPacketsPerSecond = Math.Round(sent / seconds, 1),
            Loss = sent > 0 ? Math.Round(1 - ((double)received / sent), 6) : 0,
            SessionsWithLoss = withLoss,
            WorstSessionLoss = Math.Round(worst, 6),
            RoundTripMs = Summary(_rtt),
            GatewayCpuMicrosecondsPerPacket = gatewayCpuSeconds is { } cpu && total > 0 ? Math.Round(cpu * 1e6 / total, 3) : null,
            PerSession = listEach ? perSession : null,
        };
    }

    /// <summary>Octets sent and received in IPv4 datagrams (for throughput).</summary>
    public (long Up, long Down) Bytes(TrafficSummary summary) => (summary.PacketsSent * _size, summary.PacketsReceived * _size);

    private int CountSessions()
    {
        int n = 0;
        foreach (long s in _sent)
            n += s > 0 ? 1 : 0;
        return n;
    }

    private static LatencySummary Summary(LongHistogram h)
    {
        if (h.TotalCount == 0)
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        return new LatencySummary(h.TotalCount, Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(90)), Ms(h.GetValueAtPercentile(99)),
            Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()));

        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
    }

    private static double TicksToMs(double ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private void SetPhase(Phase phase)
    {
        _phase = (int)phase;
        while (_phaseSeen != (int)phase && _thread.IsAlive)
            Thread.Sleep(1);
    }

    private void Run()
    {
        while (!_stopping)
        {
            long now = Stopwatch.GetTimestamp();
            var phase = (Phase)_phase;
            if ((int)phase != _phaseSeen)
            {
                if (phase == Phase.Sending)
                {
                    _startTicks = now;
                    _lastTicks = now;
                    _credit = 0;
                }
                else if ((Phase)_phaseSeen == Phase.Sending)
                {
                    _stopTicks = now;
                }
                _phaseSeen = (int)phase;
            }
            if (phase == Phase.Frozen)
            {
                DrainPort(count: false);
                Thread.Sleep(1);
                continue;
            }
            ApplyCommands();
            int work = 0;
            if (phase == Phase.Sending)
                work += Send(now);
            work += DrainPort(count: true);
            if (work == 0)
                Thread.Sleep(1);
        }
    }

    private void ApplyCommands()
    {
        for (int k = 0; k < 1024 && _commands.TryDequeue(out Command c); k++)
        {
            int slot = c.Session.Slot;
            if ((uint)slot >= (uint)_generation.Length)
                continue;
            if (c.Add)
            {
                if (_generation[slot] == 0)
                {
                    _activeIndex[slot] = _activeCount;
                    _active[_activeCount] = slot;
                    Volatile.Write(ref _activeCount, _activeCount + 1);
                }
                _generation[slot] = c.Session.Generation;
                _source[slot] = c.Source;
                _destination[slot] = c.Destination;
                _sent[slot] = _received[slot] = _rttSumTicks[slot] = _rttMaxTicks[slot] = 0;
                _sequence[slot] = 0;
            }
            else if (_generation[slot] == c.Session.Generation && _generation[slot] != 0)
            {
                // Counters stay (the summary reads them); the slot stops sending.
                _generation[slot] = 0;
                int index = _activeIndex[slot];
                int last = _active[_activeCount - 1];
                _active[index] = last;
                _activeIndex[last] = index;
                Volatile.Write(ref _activeCount, _activeCount - 1);
            }
        }
    }

    /// <summary>Sends what the rate owes since the last loop, round robin over the active sessions.</summary>
    private int Send(long now)
    {
        int active = _activeCount;
        if (active == 0 || _pps <= 0)
            return 0;
        double elapsed = (now - _lastTicks) / (double)Stopwatch.Frequency;
        _lastTicks = now;
        _credit += elapsed * _pps * active;
        int due = (int)Math.Min(_credit, MaxPerLoop);
        if (due <= 0)
            return 0;
        // Open loop: what the path could not take within this loop's share is counted, not queued without bound.
        double cap = Math.Max(MaxPerLoop, _pps * active * 0.05);
        if (_credit - due > cap)
        {
            long skipped = (long)(_credit - due - cap);
            _notSent += skipped;
            _credit -= skipped;
        }
        int done = 0;
        while (done < due)
        {
            int n = Math.Min(PacketBurst.Size, due - done);
            int built = 0;
            for (int k = 0; k < n; k++)
            {
                if (!_cache.TryAllocate(out PacketHandle packet))
                    break;
                if (_cursor >= active)
                    _cursor = 0;
                int slot = _active[_cursor++];
                Build(packet, slot, now);
                _tx[built++] = packet;
            }
            int taken = _port.TransmitBurst(_tx.AsSpan(0, built));
            for (int k = 0; k < taken; k++)
                _sent[_tx[k].SessionIndex]++;
            for (int k = taken; k < built; k++)
                _cache.Free(_tx[k]);
            done += n;
            if (taken < n)
            {
                // The worker's inside ring is full (or the pool empty): the rest of this loop's share is not sent.
                _notSent += n - taken + (due - done);
                done = due;
            }
        }
        _credit -= due;
        return done;
    }

    private void Build(PacketHandle packet, int slot, long now)
    {
        _ = packet.TryAppend(_size, out Span<byte> ip);
        packet.SessionIndex = slot;
        ushort sequence = ++_sequence[slot];
        Span<byte> icmp = ip[IcmpOffset..];
        icmp[0] = 8; // echo request
        icmp[1] = 0;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], (ushort)slot);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        Span<byte> payload = ip[PayloadOffset..];
        BinaryPrimitives.WriteUInt32BigEndian(payload, Marker);
        BinaryPrimitives.WriteInt32BigEndian(payload[4..], slot);
        BinaryPrimitives.WriteUInt32BigEndian(payload[8..], _generation[slot]);
        BinaryPrimitives.WriteInt64BigEndian(payload[12..], now);
        for (int i = 20; i < payload.Length; i++)
            payload[i] = (byte)(i + sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        _ = Ipv4HeaderWriter.TryWriteHeader(ip, _source[slot], _destination[slot], Ipv4Header.ProtocolIcmp, icmp.Length, _identification++, 64);
    }

    private int DrainPort(bool count)
    {
        int total = 0;
        int n;
        while (total < MaxPerLoop && (n = _port.ReceiveBurst(_rx)) > 0)
        {
            long now = Stopwatch.GetTimestamp();
            for (int k = 0; k < n; k++)
            {
                if (count)
                    Check(_rx[k].Data, now);
                else
                    _late++;
            }
            _cache.FreeBurst(_rx.AsSpan(0, n));
            total += n;
        }
        return total;
    }

    private void Check(ReadOnlySpan<byte> datagram, long now)
    {
        if (Ipv4Header.TryParse(datagram, out Ipv4Header ip) != Ipv4Error.None || ip.Protocol != Ipv4Header.ProtocolIcmp || ip.IsFragment)
        {
            _invalid++;
            return;
        }
        ReadOnlySpan<byte> icmp = ip.Payload;
        if (icmp.Length < MinSize - IcmpOffset || icmp[0] != 0 || icmp[1] != 0 || InternetChecksum.Compute(icmp) != 0
            || BinaryPrimitives.ReadUInt32BigEndian(icmp[8..]) != Marker)
        {
            _invalid++;
            return;
        }
        int slot = BinaryPrimitives.ReadInt32BigEndian(icmp[12..]);
        if ((uint)slot >= (uint)_generation.Length || _generation[slot] == 0
            || BinaryPrimitives.ReadUInt32BigEndian(icmp[16..]) != _generation[slot]
            || ip.DestinationAddress != _source[slot] || ip.SourceAddress != _destination[slot])
        {
            _invalid++;
            return;
        }
        long rtt = Math.Max(0, now - BinaryPrimitives.ReadInt64BigEndian(icmp[20..]));
        _received[slot]++;
        Volatile.Write(ref _repliesTotal, _repliesTotal + 1);
        _rttSumTicks[slot] += rtt;
        if (rtt > _rttMaxTicks[slot])
            _rttMaxTicks[slot] = rtt;
        _rtt.RecordValue(Math.Min(60_000_000, rtt * 1_000_000 / Stopwatch.Frequency));
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread != Thread.CurrentThread)
            _thread.Join();
        _ = _port.Drain(_cache);
        _cache.Flush();
    }

    private readonly record struct Command(SessionHandle Session, uint Source, uint Destination, bool Add);
}
