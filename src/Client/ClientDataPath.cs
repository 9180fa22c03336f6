using System.Diagnostics;
using System.Runtime.InteropServices;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Client;

/// <summary>Packet counters of a client session (a consistent-enough snapshot; each field is read atomically).</summary>
public sealed record PptpClientCounters(
    long GrePacketsReceived,
    long GrePacketsSent,
    long AcknowledgmentOnlySent,
    long IpPacketsToTunnel,
    long IpBytesToTunnel,
    long IpPacketsFromTunnel,
    long IpBytesFromTunnel,
    long ControlFramesSent,
    long ControlFramesReceived,
    long Dropped,
    long GreLost,
    long MppeDropped,
    long CcpResetRequestsSent);

/// <summary>
/// The data path of one client call: GRE (RFC 2637 §4) ↔ PPP demultiplexing ↔ MPPE (RFC 3078) ↔ the tunnel interface.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> Two loops, one per direction, because the two sources (the GRE transport and the tunnel
/// interface) are waited on separately and may be in-memory: the receive loop owns the GRE receive state, the reorder
/// slots and the MPPE receiver; everything that transmits (the interface loop, PPP control frames from the session's
/// timers and receive path, acknowledgment-only packets) takes <see cref="_txLock"/>, under which the MPPE coherency count
/// and the GRE Sequence Number advance together, so they stay in the same order on the wire (RFC 3078 §3 needs the
/// receiver to see counts in order).</para>
/// <para><b>Lock order.</b> Session lock → <see cref="_txLock"/> (the session's sender runs under its lock). Nothing calls
/// into the session while holding <see cref="_txLock"/>.</para>
/// </remarks>
internal sealed class ClientDataPath : IDisposable
{
    /// <summary>Room in front of an IPv4 packet: GRE (16) + PPP (4) + MPPE header (2) + inner protocol (2).</summary>
    private const int Headroom = 32;
    private const int BufferSize = 2048;
    private const int IdleWaitMilliseconds = 100;
    private const int SlotCount = GreReceiveState.MaxDeliveredPerCall + 1;

    private readonly IGreTransport _gre;
    private readonly ushort _callId;
    private readonly Action<string> _log;
    private readonly long _ackDelayTicks;
    private readonly GreReorderPolicy _reorder = GreReorderPolicy.Default(Stopwatch.Frequency);

    private readonly Lock _txLock = new();
    private GreTransmitState _greTx;
    private MppeSender _mppeTx;
    // The interface loop's burst: packet k at k * BufferSize + Headroom, encrypted together (MppeBurst).
    private const int TxBurst = MppeBurst.MaxPackets;
    private readonly byte[] _txSlab = new byte[TxBurst * BufferSize];
    private readonly int[] _txLength = new int[TxBurst];
    private readonly byte[] _controlBuffer = new byte[BufferSize];

    private readonly Lock _rxLock = new();
    private GreReceiveState _greRx;
    private MppeReceiver _mppeRx;
    private readonly byte[][] _slots = new byte[SlotCount][];
    private readonly int[] _slotOffset = new int[SlotCount];
    private readonly int[] _slotLength = new int[SlotCount];
    private readonly Stack<int> _freeSlots = new();
    private readonly int[] _deliver = new int[GreReceiveState.MaxDeliveredPerCall];
    private long _ackDueTicks = long.MaxValue;

    private volatile bool _mppeActive;
    private volatile bool _linkUp;
    private volatile bool _acfc;
    private volatile bool _pfc;
    private volatile ITunnelInterface? _interface;
    private volatile bool _stopping;
    private PppSession? _session;
    private Thread? _greThread;
    private Thread? _interfaceThread;

    private long _greReceived, _greSent, _ackOnly, _toTunnel, _toTunnelBytes, _fromTunnel, _fromTunnelBytes;
    private long _controlSent, _controlReceived, _dropped, _mppeDropped, _resetRequests;

    public ClientDataPath(IGreTransport gre, ushort callId, ushort peerCallId, ushort receiveWindow, ushort peerReceiveWindow,
        TimeSpan acknowledgmentDelay, Action<string> log)
    {
        _gre = gre;
        _callId = callId;
        _log = log;
        _ackDelayTicks = Math.Max(1, (long)(acknowledgmentDelay.TotalSeconds * Stopwatch.Frequency));
        _greTx.Initialize(peerCallId, peerReceiveWindow);
        _greRx.Initialize(receiveWindow);
        for (int i = 0; i < SlotCount; i++)
        {
            _slots[i] = new byte[BufferSize];
            _freeSlots.Push(i);
        }
    }

    /// <summary>The PPP session fed by the receive loop; set before <see cref="Start"/>.</summary>
    public PppSession? Session { get => _session; set => _session = value; }

    public PptpClientCounters Counters
    {
        get
        {
            ulong lost;
            lock (_rxLock)
                lost = _greRx.Lost;
            return new PptpClientCounters(Interlocked.Read(ref _greReceived), Interlocked.Read(ref _greSent), Interlocked.Read(ref _ackOnly),
                Interlocked.Read(ref _toTunnel), Interlocked.Read(ref _toTunnelBytes), Interlocked.Read(ref _fromTunnel),
                Interlocked.Read(ref _fromTunnelBytes), Interlocked.Read(ref _controlSent), Interlocked.Read(ref _controlReceived),
                Interlocked.Read(ref _dropped), (long)lost, Interlocked.Read(ref _mppeDropped), Interlocked.Read(ref _resetRequests));
        }
    }

    /// <summary>Starts the GRE receive loop (PPP negotiation runs over it).</summary>
    public void Start()
    {
        _greThread = new Thread(ReceiveLoop) { IsBackground = true, Name = $"pptp-gre-{_callId}" };
        _greThread.Start();
    }

    /// <summary>The session's <see cref="PppFrameSender"/>: a PPP control frame goes out in GRE, never encrypted (RFC 3078 §1).</summary>
    public void SendControlFrame(ReadOnlySpan<byte> frame)
    {
        if (_stopping || frame.Length > BufferSize - EnhancedGrePacket.MaxHeaderLength)
            return;
        lock (_txLock)
        {
            frame.CopyTo(_controlBuffer.AsSpan(EnhancedGrePacket.MaxHeaderLength));
            int start = _greTx.EncapsulateData(_controlBuffer, EnhancedGrePacket.MaxHeaderLength, frame.Length);
            if (start < 0)
                return;
            _gre.Send(_controlBuffer.AsSpan(start, EnhancedGrePacket.MaxHeaderLength + frame.Length - start));
        }
        Interlocked.Increment(ref _greSent);
        Interlocked.Increment(ref _controlSent);
    }

    /// <summary>LinkUp: framing and MPPE keys (client role: send = our MasterSendKey, RFC 3079 §3).</summary>
    public void OnLinkUp(PppLinkResult link)
    {
        lock (_txLock)
        {
            _acfc = link.TransmitAddressControlFieldCompression;
            _pfc = link.TransmitProtocolFieldCompression;
            if (link.Mppe is { } keys)
                _mppeTx.Initialize(keys.SendStartKey, keys.Strength, keys.Stateless);
        }
        lock (_rxLock)
        {
            if (link.Mppe is { } keys)
                _mppeRx.Initialize(keys.ReceiveStartKey, keys.Strength, keys.Stateless);
        }
        _mppeActive = link.Mppe is not null;
        _linkUp = true;
    }

    /// <summary>
    /// LCP or an NCP renegotiates (RFC 1661 §4.1): no data either way until <see cref="OnLinkUp"/> again, which keys MPPE
    /// afresh (coherency count 0).
    /// </summary>
    public void OnNetworkDown()
    {
        _linkUp = false;
        _mppeActive = false;
        lock (_txLock)
            _mppeTx.Clear();
        lock (_rxLock)
            _mppeRx.Clear();
    }

    /// <summary>The peer sent a CCP Reset-Request: flush our next stateful packet (RFC 3078 §8).</summary>
    public void OnResetRequest()
    {
        lock (_txLock)
            _mppeTx.OnResetRequestReceived();
    }

    /// <summary>Attaches the tunnel interface and starts its loop.</summary>
    public void Attach(ITunnelInterface tunnel)
    {
        _interface = tunnel;
        _interfaceThread = new Thread(() => InterfaceLoop(tunnel)) { IsBackground = true, Name = $"pptp-tun-{_callId}" };
        _interfaceThread.Start();
    }

    /// <summary>Stops both loops and waits for them.</summary>
    public void Stop()
    {
        _stopping = true;
        _linkUp = false;
        if (_greThread is { } g && g != Thread.CurrentThread)
            g.Join();
        if (_interfaceThread is { } t && t != Thread.CurrentThread)
            t.Join();
    }

    public void Dispose()
    {
        Stop();
        lock (_txLock)
            _mppeTx.Clear();
        lock (_rxLock)
            _mppeRx.Clear();
    }

    // ------------------------------------------------------------------ tunnel → GRE

    private void InterfaceLoop(ITunnelInterface tunnel)
    {
        try
        {
            while (!_stopping)
            {
                // What the interface already holds first, up to a burst; before waiting, the GRE packets held back go
                // out (a burst read from the interface leaves in one sendmmsg, issue 12).
                int count = ReadBurst(tunnel, 0);
                if (count == 0)
                {
                    FlushSends();
                    count = ReadBurst(tunnel, IdleWaitMilliseconds);
                    if (count == 0)
                        continue;
                }
                int sent = SendIpBurst(count);
                if (sent < count)
                    Interlocked.Add(ref _dropped, count - sent);
            }
        }
        catch (ObjectDisposedException)
        {
            // the interface closed under us: the session is ending
        }
    }

    // Reads up to a burst of IPv4 packets into the transmit slab (packet k at k * BufferSize + Headroom); waits up to
    // the timeout for the first only. Returns how many; what is not IPv4, or arrives while the link is down, is dropped.
    private int ReadBurst(ITunnelInterface tunnel, int firstTimeoutMilliseconds)
    {
        int count = 0;
        int timeout = firstTimeoutMilliseconds;
        while (count < TxBurst)
        {
            int at = (count * BufferSize) + Headroom;
            if (!tunnel.TryRead(_txSlab.AsSpan(at, BufferSize - Headroom), out int length, timeout))
                break;
            timeout = 0;
            if (!_linkUp || length < Ipv4Header.MinHeaderLength || (_txSlab[at] >> 4) != 4)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }
            _txLength[count++] = length;
        }
        return count;
    }

    /// <summary>
    /// Frames the IPv4 packets of the transmit slab as PPP 0x0021, MPPE-encrypts them as 0x00FD when MPPE is on (RFC 3078
    /// §3: header, then the protocol field and the information encrypted) and sends them in GRE. With MPPE the burst is
    /// encrypted by <see cref="MppeBurst"/>, which interleaves the RC4 work of two packets (each stateless packet has its
    /// own key) and gives each packet exactly what <see cref="MppeSender.Encrypt"/> in order would. Under
    /// <see cref="_txLock"/> for the whole burst, so coherency counts and GRE sequence numbers advance together.
    /// Returns the packets sent.
    /// </summary>
    private int SendIpBurst(int count)
    {
        byte[] slab = _txSlab;
        int sent = 0;
        lock (_txLock)
        {
            bool acfc = _acfc, pfc = _pfc, mppe = _mppeActive;
            Span<MppePacket> packets = stackalloc MppePacket[TxBurst];
            Span<MppeDropReason> results = stackalloc MppeDropReason[TxBurst];
            if (mppe)
            {
                // The inner protocol field is framed as PPP would frame it (compressed per PFC, RFC 1661 §6.5).
                int inner = PppFrameWriter.GetHeaderLength(PppProtocol.Ipv4, addressControlFieldCompression: true, pfc);
                for (int k = 0; k < count; k++)
                {
                    int offset = (k * BufferSize) + Headroom;
                    PppFrameWriter.TryWriteHeader(slab.AsSpan(offset - inner, inner), PppProtocol.Ipv4, true, pfc);
                    int mppeStart = offset - inner - MppeHeader.Length;
                    packets[k] = new MppePacket(0, mppeStart, offset + _txLength[k] - mppeStart);
                }
                _ = MppeBurst.Encrypt(MemoryMarshal.CreateSpan(ref _mppeTx, 1), slab, packets[..count], results[..count]);
            }
            for (int k = 0; k < count; k++)
            {
                int offset = (k * BufferSize) + Headroom;
                int end = offset + _txLength[k];
                int frameStart = !mppe ? PppFrameWriter.TryPrependHeader(slab, offset, PppProtocol.Ipv4, acfc, pfc)
                    : results[k] == MppeDropReason.None ? PppFrameWriter.TryPrependHeader(slab, packets[k].Offset, PppProtocol.CompressedDatagram, acfc, pfc)
                    : -1;
                if (frameStart < 0)
                    continue;
                int greStart = _greTx.EncapsulateData(slab, frameStart, end - frameStart);
                if (greStart < 0)
                    continue;
                // Counted before the send: whoever sees the packet (or its answer) then also sees it counted.
                Interlocked.Increment(ref _fromTunnel);
                Interlocked.Add(ref _fromTunnelBytes, _txLength[k]);
                Interlocked.Increment(ref _greSent);
                _gre.SendDeferred(slab.AsSpan(greStart, end - greStart));
                sent++;
            }
        }
        return sent;
    }

    private void FlushSends()
    {
        lock (_txLock)
            _gre.FlushSends();
    }

    // ------------------------------------------------------------------ GRE → tunnel / session

    private void ReceiveLoop()
    {
        try
        {
            while (!_stopping)
            {
                int slot = _freeSlots.Pop();
                // What is already here first; before waiting, what the interface holds back goes out (a batch of
                // written segments is coalesced into one TUN write, issue 12).
                bool got = _gre.TryReceive(_slots[slot], out int length, 0);
                if (!got)
                {
                    _interface?.Flush();
                    got = _gre.TryReceive(_slots[slot], out length, WaitMilliseconds());
                }
                if (got)
                    ReceiveGre(slot, length);
                else
                    _freeSlots.Push(slot);
                RunTimers();
            }
        }
        catch (ObjectDisposedException)
        {
            // the transport closed under us: the session is ending
        }
    }

    private int WaitMilliseconds()
    {
        long now = Stopwatch.GetTimestamp();
        long due = Volatile.Read(ref _ackDueTicks);
        bool held;
        long gapSince;
        lock (_rxLock)
        {
            held = _greRx.HasHeldPackets;
            gapSince = _greRx.GapSinceTicks;
        }
        if (held)
            due = Math.Min(due, gapSince + _reorder.MaxWaitTicks);
        if (due == long.MaxValue)
            return IdleWaitMilliseconds;
        long ms = (due - now) * 1000 / Stopwatch.Frequency;
        return (int)Math.Clamp(ms, 0, IdleWaitMilliseconds);
    }

    private void RunTimers()
    {
        long now = Stopwatch.GetTimestamp();
        int released;
        lock (_rxLock)
            released = _greRx.HasHeldPackets ? _greRx.Expire(now, in _reorder, _deliver) : 0;
        if (released > 0)
            DeliverAll(released, now);
        if (now < Volatile.Read(ref _ackDueTicks))
            return;
        // RFC 2637 §4.4: no data came our way to carry the acknowledgment in time, so it goes alone.
        Span<byte> ack = stackalloc byte[EnhancedGrePacket.MinHeaderLength + 4];
        bool sent = false;
        lock (_txLock)
        {
            Volatile.Write(ref _ackDueTicks, long.MaxValue);
            if (_greTx.AcknowledgmentOwed && _greTx.WriteAcknowledgment(ack) > 0)
            {
                _gre.Send(ack);
                sent = true;
            }
        }
        if (sent)
        {
            Interlocked.Increment(ref _ackOnly);
            Interlocked.Increment(ref _greSent);
        }
    }

    private void ReceiveGre(int slot, int length)
    {
        Interlocked.Increment(ref _greReceived);
        byte[] buffer = _slots[slot];
        if (EnhancedGrePacket.TryParse(buffer.AsSpan(0, length), out EnhancedGrePacket gre) != EnhancedGreError.None
            || gre.CallId != _callId)
        {
            Interlocked.Increment(ref _dropped);
            _freeSlots.Push(slot);
            return;
        }
        if (gre.AcknowledgmentNumberPresent)
        {
            lock (_txLock)
                _greTx.OnPeerAcknowledgment(gre.AcknowledgmentNumber);
        }
        if (!gre.SequenceNumberPresent)
        {
            _freeSlots.Push(slot); // acknowledgment only
            return;
        }
        _slotOffset[slot] = gre.HeaderLength;
        _slotLength[slot] = gre.PayloadLength;
        long now = Stopwatch.GetTimestamp();
        GreReceiveResult result;
        int delivered;
        lock (_rxLock)
            result = _greRx.Receive(gre.SequenceNumber, slot, now, in _reorder, _deliver, out delivered);
        if (result is not (GreReceiveResult.Delivered or GreReceiveResult.Held))
        {
            Interlocked.Increment(ref _dropped);
            _freeSlots.Push(slot);
        }
        DeliverAll(delivered, now);
    }

    private void DeliverAll(int count, long now)
    {
        for (int i = 0; i < count; i++)
        {
            int slot = _deliver[i];
            ReceivePpp(_slots[slot].AsSpan(_slotOffset[slot], _slotLength[slot]));
            _freeSlots.Push(slot);
        }
        if (count == 0)
            return;
        uint lastInOrder;
        lock (_rxLock)
            lastInOrder = _greRx.LastInOrder;
        lock (_txLock)
        {
            if (_greTx.NoteReceived(lastInOrder) || (_greTx.AcknowledgmentOwed && Volatile.Read(ref _ackDueTicks) == long.MaxValue))
                Volatile.Write(ref _ackDueTicks, now + _ackDelayTicks);
        }
    }

    /// <summary>One PPP frame out of GRE: data to the interface, everything else to the session.</summary>
    private void ReceivePpp(Span<byte> frame)
    {
        if (PppFrame.TryParse(frame, out PppFrame ppp) != PppFrameError.None)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        switch (ppp.Protocol)
        {
            case PppProtocol.CompressedDatagram:
                ReceiveMppe(frame[ppp.HeaderLength..]);
                return;
            case PppProtocol.Ipv4:
                // RFC 3078 §1 (and pppd's require-mppe): once MPPE is up, clear datagrams are refused.
                if (_mppeActive)
                    Interlocked.Increment(ref _dropped);
                else
                    Deliver(ppp.Information);
                return;
            default:
                Interlocked.Increment(ref _controlReceived);
                _session?.Receive(frame);
                return;
        }
    }

    private void ReceiveMppe(Span<byte> packet)
    {
        if (!_mppeActive)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        MppeDropReason reason;
        lock (_rxLock)
            reason = _mppeRx.Decrypt(packet);
        if (reason != MppeDropReason.None)
        {
            Interlocked.Increment(ref _mppeDropped);
            // RFC 3078 §8 / RFC 1962 §2.1: a stateful receiver that lost keystream asks for a reset.
            if (reason == MppeDropReason.StatefulPacketLoss && _session?.SendCcpResetRequest() == true)
            {
                Interlocked.Increment(ref _resetRequests);
                _log("MPPE: stateful packet loss, CCP Reset-Request sent");
            }
            return;
        }
        Span<byte> inner = packet[MppeHeader.Length..];
        if (PppFrame.TryParse(inner, out PppFrame ppp) != PppFrameError.None)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        if (ppp.Protocol == PppProtocol.Ipv4)
        {
            Deliver(ppp.Information);
        }
        else
        {
            Interlocked.Increment(ref _controlReceived);
            _session?.Receive(inner);
        }
    }

    private void Deliver(ReadOnlySpan<byte> ip)
    {
        ITunnelInterface? tunnel = _interface;
        if (tunnel is null || ip.Length < Ipv4Header.MinHeaderLength)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        // Counted before the write: whoever reads the packet from the interface then also sees it counted.
        Interlocked.Increment(ref _toTunnel);
        Interlocked.Add(ref _toTunnelBytes, ip.Length);
        tunnel.Write(ip);
    }
}
