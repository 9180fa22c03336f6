using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Workers;

/// <summary>
/// One polled dataplane worker: a burst from the outside port goes GRE → sequencing → PPP → MPPE → anti-spoofing
/// → the inside port, and a burst from the inside goes the reverse way; between bursts it applies the control plane's
/// commands, sends the acknowledgments that no data carried in time and gives up reorder gaps that waited too long.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> A worker is the only writer of its sessions' per-packet state (GRE sequencing, MPPE RC4
/// state, counters), kept in arrays indexed by the session table's slot. It owns that state per session
/// <em>generation</em>: when it meets a slot whose table generation differs from the one its state was opened for, it
/// closes the old state (freeing packets held for reordering) and opens the new one from the slot's configuration
/// and the values the control plane stored at install. The control plane therefore never touches the worker's state,
/// not even on install, and a late command for a closed session is recognised by its handle.</para>
/// <para><b>Threading.</b> <see cref="RunOnce"/> is called by one thread at a time: the worker's own thread
/// (<see cref="DataplaneHost.Start"/>) or a test or benchmark stepping it. Nothing on the packet path allocates,
/// locks or throws for peer input.</para>
/// <para><b>Packet handles in the GRE sequencer</b> are the packets' pool indices; every packet a worker sees comes
/// from the dataplane's <see cref="PacketPool"/> (ports allocate from it).</para>
/// <para><b>MPPE is a burst stage</b>, as a VPP node works on a vector: the packets of a burst that need RC4 are
/// collected, in order, and go through <see cref="MppeBurst"/> together, which interleaves two independent RC4
/// streams (different sessions, or stateless packets, each with its own fresh key) and pairs the stateless key changes
/// of different sessions. Inside → outside, every packet of the inside burst is classified and staged, the stage is
/// encrypted in one call, then each packet is framed and numbered (GRE) in arrival order. Outside → inside, the
/// packets GRE sequencing delivers in order are staged (at most <see cref="MppeBurst.MaxPackets"/>, the stage is run
/// when full) and the stage is run at the end of the burst and before a reorder expiry closes a session. The result
/// is that of decrypting/encrypting one packet after the other: <see cref="MppeBurst"/> prepares each packet in order
/// on its session's state (coherency count, key changes) and never runs one stateful stream against itself.</para>
/// </remarks>
public sealed unsafe class Worker
{
    /// <summary>Most commands applied per loop, so a flood of commands cannot starve packets.</summary>
    public const int CommandsPerLoop = 64;

    /// <summary>Most acknowledgment-only packets sent per loop (the rest go on the next one).</summary>
    public const int AcknowledgmentsPerLoop = PacketBurst.Size;

    private const int ReasonCount = DataplaneCounters.ReasonCount;
    private const int TxCapacity = 2 * PacketBurst.Size + GreReceiveState.MaxDeliveredPerCall;

    private readonly int _index;
    private readonly SessionTable _table;
    private readonly PacketPool _pool;
    private readonly PacketCache _cache;
    private readonly DataplanePortPair _ports;
    private readonly IPacketPort _outside;
    private readonly IPacketPort _inside;
    private readonly bool _outsideIpv4;
    private readonly uint _localAddress;
    private readonly SpscRing<WorkerCommand> _commands;
    private readonly SpscRing<UpMessage> _up;
    private readonly SessionSpecSlot[] _specs;
    private readonly TimeProvider _time;
    private readonly PacketBuffer* _descriptors;

    // Per-session state, indexed by slot.
    private readonly GreSequencer _sequencer;
    private readonly MppeSender[] _senders;
    private readonly MppeReceiver[] _receivers;
    private readonly SlotState[] _slots;
    private readonly uint[] _sessionDrops; // slot * ReasonCount + reason

    // Scratch, allocated once.
    private readonly PacketHandle[] _rx = new PacketHandle[PacketBurst.Size];
    private readonly PacketHandle[] _outsideTx = new PacketHandle[TxCapacity];
    private readonly PacketHandle[] _insideTx = new PacketHandle[TxCapacity];
    private readonly int[] _deliver = new int[GreReceiveState.MaxDeliveredPerCall];
    private readonly int[] _held = new int[GreReceiveState.MaxReorderDepth + 1];
    private int _outsideTxCount;
    private int _insideTxCount;

    // The MPPE burst stages (see the type's remarks): packets waiting for their RC4 work, in arrival order.
    private readonly Staged[] _encryptStage = new Staged[PacketBurst.Size];
    private readonly Staged[] _decryptStage = new Staged[MppeBurst.MaxPackets];
    private readonly MppePacketPointer[] _mppePackets = new MppePacketPointer[MppeBurst.MaxPackets];
    private readonly MppeDropReason[] _mppeResults = new MppeDropReason[MppeBurst.MaxPackets];
    private int _encryptCount;
    private int _decryptCount;
    private ushort _ipIdentification;

    // Counters: written by this worker only, read by anyone (monotonic, a snapshot may lag).
    private readonly ulong[] _drops = new ulong[ReasonCount];
    private ulong _outsideReceived, _insideDelivered, _insideReceived, _outsideSent, _controlUp, _controlDown;
    private ulong _acksReceived, _acksSent, _resets, _commandsApplied;
    private ulong _retiredKeyChanges; // MPPE key changes of sessions this worker closed (read by MppeKeyChanges)

    internal Worker(int index, SessionTable table, PacketPool pool, DataplanePortPair ports,
        SpscRing<WorkerCommand> commands, SpscRing<UpMessage> up, SessionSpecSlot[] specs,
        TimeProvider time, GreReorderPolicy reorder, long acknowledgmentDelayTicks)
    {
        _index = index;
        _table = table;
        _pool = pool;
        _cache = pool.CreateCache();
        _ports = ports;
        _outside = ports.Outside;
        _inside = ports.Inside;
        _outsideIpv4 = ports.Framing == OutsideFraming.Ipv4;
        _localAddress = ports.LocalAddress;
        _commands = commands;
        _up = up;
        _specs = specs;
        _time = time;

        // The pool's descriptors are one dense array: packet = base + pool index. Found from one packet.
        if (!pool.TryAllocate(out PacketHandle probe))
            throw new InvalidOperationException("The packet pool is empty.");
        _descriptors = probe.Pointer - probe.Buffer.PoolIndex;
        pool.Free(probe);

        int capacity = table.Capacity;
        _sequencer = new GreSequencer(capacity, reorder, acknowledgmentDelayTicks);
        _senders = new MppeSender[capacity];
        _receivers = new MppeReceiver[capacity];
        _slots = new SlotState[capacity];
        _sessionDrops = new uint[capacity * ReasonCount];
    }

    /// <summary>This worker's index (the <see cref="SessionConfig.Worker"/> of its sessions).</summary>
    public int Index => _index;

    /// <summary>The ports this worker polls.</summary>
    public DataplanePortPair Ports => _ports;

    /// <summary>Sessions holding packets behind a GRE gap, and sessions owing an acknowledgment (diagnostics).</summary>
    public (int HoldingPackets, int OwingAcknowledgments) PendingTimers =>
        (_sequencer.SessionsHoldingPackets, _sequencer.PendingAcknowledgments);

    /// <summary>A snapshot of this worker's traffic counters.</summary>
    public WorkerTraffic Traffic => new(
        Volatile.Read(ref _outsideReceived), Volatile.Read(ref _insideDelivered), Volatile.Read(ref _insideReceived),
        Volatile.Read(ref _outsideSent), Volatile.Read(ref _controlUp), Volatile.Read(ref _controlDown),
        Volatile.Read(ref _acksReceived), Volatile.Read(ref _acksSent), Volatile.Read(ref _resets),
        Volatile.Read(ref _commandsApplied));

    /// <summary>
    /// MPPE key changes (RFC 3078 §7.3), both directions, of every session this worker has held: the closed sessions'
    /// total plus a walk over the live slots. For metrics, read on scrape from another thread; nothing is added to the
    /// packet path (the per-session counts exist already). A session closing between the two reads may be missed for
    /// one read (closing clears it before adding it to the total), never counted twice: readers keep the maximum seen.
    /// </summary>
    public ulong MppeKeyChanges
    {
        get
        {
            ulong total = Volatile.Read(ref _retiredKeyChanges);
            for (int slot = 0; slot < _slots.Length; slot++)
            {
                if (Volatile.Read(ref _slots[slot].Generation) == 0)
                    continue;
                total += _senders[slot].KeyChanges + _receivers[slot].KeyChanges;
            }
            return total;
        }
    }

    /// <summary>This worker's drops for <paramref name="reason"/>.</summary>
    public ulong GetDrops(DataplaneDropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    /// <summary>
    /// One turn of the loop: commands from the control plane, one burst from each port, due acknowledgments and
    /// expired reorder gaps, transmit, then a quiescent point for the session table. Returns the work done (packets
    /// and commands handled; 0 = idle). Called by one thread at a time.
    /// </summary>
    public int RunOnce()
    {
        long now = _time.GetTimestamp();
        int work = ApplyCommands();

        Span<PacketHandle> rx = _rx;
        int n = _outside.ReceiveBurst(rx);
        _outsideReceived += (ulong)n;
        for (int i = 0; i < n; i++)
            ReceiveOutside(rx[i], now);
        RunDecryptStage();
        work += n;

        n = _inside.ReceiveBurst(rx);
        _insideReceived += (ulong)n;
        for (int i = 0; i < n; i++)
            ReceiveInside(rx[i]);
        RunEncryptStage();
        work += n;

        work += ExpireReorder(now);
        work += SendDueAcknowledgments(now);
        FlushInside();
        FlushOutside();
        _table.Quiescent(_index);
        return work;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Outside → inside
    // ------------------------------------------------------------------------------------------------------------

    private void ReceiveOutside(PacketHandle packet, long now)
    {
        if (_outsideIpv4 && !StripOuterIpv4(packet))
            return;

        int slot;
        GreReceiveResult result;
        int delivered;
        {
            EnhancedGreError error = EnhancedGrePacket.TryParse(packet.Data, out EnhancedGrePacket gre);
            if (error != EnhancedGreError.None)
            {
                Drop(packet, DataplaneDropReason.GreHeaderInvalid);
                return;
            }

            // RFC 2637 §4.1: the key's low 16 bits are our call id; with the source address it names the session.
            if (!_table.TryLookupOutside(packet.PeerAddress, gre.CallId, out slot))
            {
                Drop(packet, DataplaneDropReason.UnknownSession);
                return;
            }

            if (!Owns(slot))
            {
                Drop(packet, DataplaneDropReason.WrongWorker);
                return;
            }

            if (!TryEnter(slot))
            {
                Drop(packet, slot, DataplaneDropReason.SessionClosed);
                return;
            }

            bool sequencePresent = gre.SequenceNumberPresent;
            uint sequence = gre.SequenceNumber;
            bool ackPresent = gre.AcknowledgmentNumberPresent;
            uint ack = gre.AcknowledgmentNumber;
            int payloadLength = gre.PayloadLength;

            // Keep the payload only: the key's length field bounds it (octets after it are padding, RFC 2637 §4.1).
            _ = packet.TryRemoveFront(gre.HeaderLength);
            _ = packet.TryTrim(packet.Length - payloadLength);
            packet.SessionIndex = slot;
            result = _sequencer.Receive(slot, sequencePresent, sequence, ackPresent, ack, IdOf(packet), now,
                _deliver, out delivered);
        }

        switch (result)
        {
            case GreReceiveResult.Delivered:
            case GreReceiveResult.Held:
                break;
            case GreReceiveResult.AcknowledgmentOnly:
                _acksReceived++;
                _cache.Free(packet);
                break;
            case GreReceiveResult.Duplicate:
                Drop(packet, slot, DataplaneDropReason.GreDuplicate);
                break;
            case GreReceiveResult.TooOld:
                Drop(packet, slot, DataplaneDropReason.GreTooOld);
                break;
            default:
                Drop(packet, slot, DataplaneDropReason.GreBeyondWindow);
                break;
        }

        for (int k = 0; k < delivered; k++)
            ReceivePpp(slot, FromId(_deliver[k]));
    }

    /// <summary>Classifies a packet from a port below IP: IPv4, protocol 47, not a fragment; source = the GRE peer.</summary>
    private bool StripOuterIpv4(PacketHandle packet)
    {
        Ipv4Error error = Ipv4Header.TryParse(packet.Data, out Ipv4Header ip);
        if (error != Ipv4Error.None)
        {
            Drop(packet, DataplaneDropReason.OutsideIpv4Invalid);
            return false;
        }

        if (ip.Protocol != Ipv4Header.ProtocolGre)
        {
            Drop(packet, DataplaneDropReason.OutsideNotGre);
            return false;
        }

        if (ip.IsFragment)
        {
            // Reassembly is not done here (see DataplaneDropReason.OutsideFragment).
            Drop(packet, DataplaneDropReason.OutsideFragment);
            return false;
        }

        packet.PeerAddress = ip.SourceAddress;
        int headerLength = ip.HeaderLength;
        int trailer = packet.Length - ip.TotalLength; // link-layer padding after the datagram
        _ = packet.TryTrim(trailer);
        _ = packet.TryRemoveFront(headerLength);
        return true;
    }

    /// <summary>A GRE payload delivered in order: demultiplex the PPP protocol (RFC 1661 §2).</summary>
    private void ReceivePpp(int slot, PacketHandle packet)
    {
        ref SlotState state = ref _slots[slot];
        if ((state.Flags & SlotFlags.Closed) != 0)
        {
            Drop(packet, slot, DataplaneDropReason.SessionClosed);
            return;
        }

        state.PacketsIn++;
        state.BytesIn += (ulong)packet.Length;
        Span<byte> data = packet.Data;
        if (PppFrame.TryParse(data, out PppFrame frame) != PppFrameError.None)
        {
            Drop(packet, slot, DataplaneDropReason.PppFrameInvalid);
            return;
        }

        ushort protocol = frame.Protocol;
        int headerLength = frame.HeaderLength;
        if (protocol == PppProtocol.CompressedDatagram)
        {
            if ((state.Flags & SlotFlags.Mppe) == 0)
            {
                // RFC 1962 §2: compressed datagrams before CCP is opened are silently discarded.
                Drop(packet, slot, DataplaneDropReason.MppeNotNegotiated);
                return;
            }

            // The RC4 work waits for the rest of the burst (RunDecryptStage); the order of arrival is kept.
            if (_decryptCount == _decryptStage.Length)
                RunDecryptStage();
            _decryptStage[_decryptCount++] = new Staged(packet, slot, state.Generation, headerLength);
        }
        else if (protocol == PppProtocol.Ipv4)
        {
            if ((state.Flags & (SlotFlags.EncryptionRequired | SlotFlags.Mppe)) != 0)
            {
                Drop(packet, slot, DataplaneDropReason.UnencryptedRefused);
                return;
            }

            _ = packet.TryRemoveFront(headerLength);
            DeliverIpv4(slot, ref state, packet);
        }
        else if (!PppProtocol.IsNetworkLayer(protocol))
        {
            // LCP, PAP, CHAP, IPCP, CCP and every other control protocol: the control plane's (it also answers
            // unknown ones with an LCP Protocol-Reject, RFC 1661 §5.7). The frame goes up as received.
            if (!_up.TryEnqueue(new UpMessage(UpMessageKind.ControlFrame, new SessionHandle(slot, state.Generation), packet)))
            {
                Drop(packet, slot, DataplaneDropReason.ControlRingFull);
                return;
            }

            _controlUp++;
        }
        else
        {
            Drop(packet, slot, DataplaneDropReason.NetworkProtocolNotOpen);
        }
    }

    /// <summary>
    /// Decrypts the staged MPPE packets in one <see cref="MppeBurst.Decrypt(Span{MppeReceiver}, ReadOnlySpan{MppePacketPointer}, Span{MppeDropReason})"/>
    /// call, then finishes each in arrival order: drop or deliver.
    /// </summary>
    private void RunDecryptStage()
    {
        int count = _decryptCount;
        if (count == 0)
            return;
        _decryptCount = 0;
        Span<Staged> stage = _decryptStage.AsSpan(0, count);
        Span<MppePacketPointer> packets = _mppePackets.AsSpan(0, count);
        Span<MppeDropReason> results = _mppeResults.AsSpan(0, count);
        int live = 0;
        for (int k = 0; k < stage.Length; k++)
        {
            ref Staged staged = ref stage[k];
            if (!IsStagedLive(ref staged))
                continue; // dropped below, without touching the (new or cleared) MPPE state
            ref PacketBuffer b = ref staged.Packet.Buffer;
            // The MPPE part starts after the PPP header: RFC 3078 §3.
            packets[live++] = new MppePacketPointer(staged.Slot, b.BufferAddress + b.DataOffset + staged.Offset, b.DataLength - staged.Offset);
        }

        _ = MppeBurst.Decrypt(_receivers, packets[..live], results);

        int next = 0;
        for (int k = 0; k < stage.Length; k++)
        {
            ref Staged staged = ref stage[k];
            PacketHandle packet = staged.Packet;
            int slot = staged.Slot;
            if (!IsStagedLive(ref staged))
            {
                Drop(packet, slot, DataplaneDropReason.SessionClosed);
                continue;
            }

            ref SlotState state = ref _slots[slot];
            MppeDropReason mppe = results[next++];
            if (mppe != MppeDropReason.None)
            {
                if (mppe == MppeDropReason.StatefulPacketLoss)
                    SignalResetRequest(slot, ref state);
                Drop(packet, slot, DataplaneDropReason.MppeDecryptFailed);
                continue;
            }

            // RFC 3078 §3: the decrypted data starts with the PPP protocol field (compressed when PFC was agreed).
            Span<byte> data = packet.Data;
            int inner = staged.Offset + MppeHeader.Length;
            int innerProtocolLength = (data[inner] & 1) != 0 ? 1 : 2;
            if (data.Length < inner + innerProtocolLength
                || (innerProtocolLength == 1 ? data[inner] : BinaryPrimitives.ReadUInt16BigEndian(data[inner..])) != PppProtocol.Ipv4)
            {
                Drop(packet, slot, DataplaneDropReason.MppeInnerProtocolUnsupported);
                continue;
            }

            _ = packet.TryRemoveFront(inner + innerProtocolLength);
            DeliverIpv4(slot, ref state, packet);
        }

        stage.Clear(); // no stale handles in the scratch
    }

    /// <summary>
    /// True when our state for a staged packet's slot is still the one it was staged under. Always so within one
    /// burst (a slot is not reused before this worker's quiescent point); the check keeps the stage safe anyway.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsStagedLive(ref Staged staged)
    {
        ref SlotState state = ref _slots[staged.Slot];
        return state.Generation == staged.Generation && (state.Flags & SlotFlags.Closed) == 0;
    }

    private void DeliverIpv4(int slot, ref SlotState state, PacketHandle packet)
    {
        if ((state.Flags & SlotFlags.NetworkUp) == 0)
        {
            Drop(packet, slot, DataplaneDropReason.NetworkProtocolNotOpen);
            return;
        }

        Span<byte> ip = packet.Data;
        if (ip.Length < Ipv4Header.MinHeaderLength || (ip[0] >> 4) != 4)
        {
            Drop(packet, slot, DataplaneDropReason.InnerIpv4Invalid);
            return;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (totalLength < Ipv4Header.MinHeaderLength || totalLength > ip.Length)
        {
            Drop(packet, slot, DataplaneDropReason.InnerIpv4Invalid);
            return;
        }

        // Anti-spoofing: a client may only send from the address IPCP gave it (RFC 1332 §3.3).
        if (BinaryPrimitives.ReadUInt32BigEndian(ip[12..]) != state.TunnelAddress)
        {
            Drop(packet, slot, DataplaneDropReason.SpoofedSource);
            return;
        }

        _ = packet.TryTrim(ip.Length - totalLength);
        if (_insideTxCount == _insideTx.Length)
            FlushInside();
        _insideTx[_insideTxCount++] = packet;
        if (_insideTxCount >= PacketBurst.Size)
            FlushInside();
    }

    private void SignalResetRequest(int slot, ref SlotState state)
    {
        if (_up.TryEnqueue(new UpMessage(UpMessageKind.ResetRequestNeeded, new SessionHandle(slot, state.Generation), default)))
            _resets++;
        else
            Count(slot, DataplaneDropReason.ControlRingFull);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Inside → outside
    // ------------------------------------------------------------------------------------------------------------

    private void ReceiveInside(PacketHandle packet)
    {
        if (_encryptCount == _encryptStage.Length)
            RunEncryptStage(); // not with bursts of at most PacketBurst.Size, but the stage must never overflow
        Span<byte> ip = packet.Data;
        if (ip.Length < Ipv4Header.MinHeaderLength || (ip[0] >> 4) != 4)
        {
            Drop(packet, DataplaneDropReason.InsideIpv4Invalid);
            return;
        }

        if (!_table.TryLookupInside(BinaryPrimitives.ReadUInt32BigEndian(ip[16..]), out int slot))
        {
            Drop(packet, DataplaneDropReason.NoSessionForDestination);
            return;
        }

        if (!Owns(slot))
        {
            Drop(packet, DataplaneDropReason.WrongWorker);
            return;
        }

        packet.SessionIndex = slot;
        if (!TryEnter(slot))
        {
            Drop(packet, slot, DataplaneDropReason.SessionClosed);
            return;
        }

        ref SlotState state = ref _slots[slot];
        SlotFlags flags = state.Flags;

        if ((flags & SlotFlags.NetworkUp) == 0)
        {
            Drop(packet, slot, DataplaneDropReason.NetworkProtocolNotOpen);
            return;
        }

        if ((flags & SlotFlags.Mppe) != 0)
        {
            bool pfc = (flags & SlotFlags.Pfc) != 0;
            // RFC 3078 §3: MPPE header, then the encrypted protocol field (compressed per PFC) and the datagram.
            int innerProtocolLength = pfc ? 1 : 2;
            if (!packet.TryPrepend(MppeHeader.Length + innerProtocolLength, out Span<byte> header))
            {
                Drop(packet, slot, DataplaneDropReason.NoHeadroom);
                return;
            }

            if (pfc)
            {
                header[MppeHeader.Length] = (byte)PppProtocol.Ipv4;
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(header[MppeHeader.Length..], PppProtocol.Ipv4);
            }

            // Encrypted with the rest of the burst (RunEncryptStage); the MPPE header is at the data's start.
            _encryptStage[_encryptCount++] = new Staged(packet, slot, state.Generation, 0);
            return;
        }

        if ((flags & SlotFlags.EncryptionRequired) != 0)
        {
            Drop(packet, slot, DataplaneDropReason.EncryptionNotReady);
            return;
        }

        // Not encrypted, but staged too, so that the burst leaves in the order it came in.
        _encryptStage[_encryptCount++] = new Staged(packet, slot, state.Generation, Staged.NotEncrypted);
    }

    /// <summary>
    /// Encrypts the staged MPPE packets of the inside burst in one <see cref="MppeBurst.Encrypt(Span{MppeSender}, ReadOnlySpan{MppePacketPointer}, Span{MppeDropReason})"/>
    /// call, then frames (PPP) and encapsulates (GRE) every staged packet in arrival order.
    /// </summary>
    private void RunEncryptStage()
    {
        int count = _encryptCount;
        if (count == 0)
            return;
        _encryptCount = 0;
        Span<Staged> stage = _encryptStage.AsSpan(0, count);
        Span<MppePacketPointer> packets = _mppePackets.AsSpan(0, count);
        Span<MppeDropReason> results = _mppeResults.AsSpan(0, count);
        int encrypted = 0;
        for (int k = 0; k < stage.Length; k++)
        {
            ref Staged staged = ref stage[k];
            if (staged.Offset == Staged.NotEncrypted || !IsStagedLive(ref staged))
                continue;
            ref PacketBuffer b = ref staged.Packet.Buffer;
            packets[encrypted++] = new MppePacketPointer(staged.Slot, b.BufferAddress + b.DataOffset, b.DataLength);
        }

        if (encrypted != 0)
            _ = MppeBurst.Encrypt(_senders, packets[..encrypted], results);

        int next = 0;
        for (int k = 0; k < stage.Length; k++)
        {
            ref Staged staged = ref stage[k];
            PacketHandle packet = staged.Packet;
            int slot = staged.Slot;
            if (!IsStagedLive(ref staged))
            {
                Drop(packet, slot, DataplaneDropReason.SessionClosed);
                continue;
            }

            ref SlotState state = ref _slots[slot];
            ushort protocol = PppProtocol.Ipv4;
            if (staged.Offset != Staged.NotEncrypted)
            {
                if (results[next++] != MppeDropReason.None)
                {
                    Drop(packet, slot, DataplaneDropReason.MppeEncryptFailed);
                    continue;
                }

                protocol = PppProtocol.CompressedDatagram;
            }

            bool acfc = (state.Flags & SlotFlags.Acfc) != 0;
            bool pfc = (state.Flags & SlotFlags.Pfc) != 0;
            if (!packet.TryPrepend(PppFrameWriter.GetHeaderLength(protocol, acfc, pfc), out Span<byte> ppp))
            {
                Drop(packet, slot, DataplaneDropReason.NoHeadroom);
                continue;
            }

            _ = PppFrameWriter.TryWriteHeader(ppp, protocol, acfc, pfc);
            SendGre(slot, ref state, packet);
        }

        stage.Clear();
    }

    /// <summary>Prepends the GRE data header with the session's numbering (and the outer IPv4 header when the port wants it) and queues the packet.</summary>
    private void SendGre(int slot, ref SlotState state, PacketHandle packet)
    {
        ref PacketBuffer b = ref packet.Buffer;
        int payloadOffset = b.DataOffset;
        int payloadLength = b.DataLength;
        int offset = _sequencer.EncapsulateData(slot, new Span<byte>(b.BufferAddress, b.BufferLength), payloadOffset, payloadLength);
        if (offset < 0)
        {
            Drop(packet, slot, DataplaneDropReason.NoHeadroom);
            return;
        }

        b.DataOffset = (ushort)offset;
        b.DataLength = (ushort)(payloadLength + (payloadOffset - offset));
        state.PacketsOut++;
        state.BytesOut += (ulong)payloadLength;
        QueueOutside(slot, ref state, packet);
    }

    private void QueueOutside(int slot, ref SlotState state, PacketHandle packet)
    {
        packet.PeerAddress = state.PeerAddress;
        if (_outsideIpv4)
        {
            int payloadLength = packet.Length;
            if (!packet.TryPrepend(Ipv4Header.MinHeaderLength, out Span<byte> header)
                || Ipv4HeaderWriter.TryWriteHeader(header, _localAddress, state.PeerAddress, Ipv4Header.ProtocolGre,
                    payloadLength, _ipIdentification++, timeToLive: 64) < 0)
            {
                Drop(packet, slot, DataplaneDropReason.NoHeadroom);
                return;
            }
        }

        if (_outsideTxCount == _outsideTx.Length)
            FlushOutside();
        _outsideTx[_outsideTxCount++] = packet;
        if (_outsideTxCount >= PacketBurst.Size)
            FlushOutside();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Timers: acknowledgments and reorder gaps
    // ------------------------------------------------------------------------------------------------------------

    private int SendDueAcknowledgments(long now)
    {
        int sent = 0;
        while (sent < AcknowledgmentsPerLoop && _sequencer.TryGetDueAcknowledgment(now, out int slot))
        {
            if (!IsLive(slot))
            {
                CloseState(slot); // unlists it
                continue;
            }

            if (!_cache.TryAllocate(out PacketHandle packet))
            {
                Count(slot, DataplaneDropReason.PoolExhausted);
                break;
            }

            int length = _sequencer.WriteAcknowledgment(slot, packet.DataRoom);
            if (length <= 0)
            {
                _cache.Free(packet); // nothing owed any more (unlisted), or no room (cannot happen with pool buffers)
                if (length < 0)
                    break;
                continue;
            }

            _ = packet.TryAppend(length, out _);
            packet.SessionIndex = slot;
            _acksSent++;
            sent++;
            QueueOutside(slot, ref _slots[slot], packet);
        }

        return sent;
    }

    private int ExpireReorder(long now)
    {
        int work = 0;
        Span<int> deliver = _deliver;
        while (_sequencer.TryExpireReorder(now, out int slot, deliver, out int delivered))
        {
            bool live = IsLive(slot);
            for (int k = 0; k < delivered; k++)
            {
                PacketHandle packet = FromId(deliver[k]);
                if (live)
                    ReceivePpp(slot, packet);
                else
                    Drop(packet, slot, DataplaneDropReason.SessionClosed);
            }

            if (!live)
            {
                RunDecryptStage(); // packets staged before this session's state goes
                CloseState(slot);
            }

            work += delivered;
        }

        RunDecryptStage();
        return work;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------------------------------------------------

    private int ApplyCommands()
    {
        int applied = 0;
        while (applied < CommandsPerLoop && _commands.TryDequeue(out WorkerCommand command))
        {
            Apply(ref command);
            applied++;
        }

        _commandsApplied += (ulong)applied;
        return applied;
    }

    private void Apply(ref WorkerCommand command)
    {
        SessionHandle session = command.Session;
        int slot = session.Slot;
        if (command.Kind == WorkerCommandKind.Close)
        {
            // The table has removed the session (or will at once): only our own state for that generation is closed.
            if (_slots[slot].Generation == session.Generation)
                CloseState(slot);
            return;
        }

        // Current now ⇒ the slot cannot be reused before this worker's next quiescent point (SessionTable's contract).
        if (!_table.IsCurrent(session))
        {
            if (command.Kind == WorkerCommandKind.SendControlFrame)
                _cache.Free(command.Frame);
            WipeKeys(ref command);
            Count(-1, DataplaneDropReason.StaleCommand);
            return;
        }

        EnsureOpen(slot, session.Generation);
        ref SlotState state = ref _slots[slot];
        switch (command.Kind)
        {
            case WorkerCommandKind.SetNetwork:
                state.TunnelAddress = command.TunnelAddress;
                state.Flags = (state.Flags & ~(SlotFlags.Acfc | SlotFlags.Pfc | SlotFlags.EncryptionRequired))
                    | SlotFlags.NetworkUp
                    | (command.TransmitAcfc ? SlotFlags.Acfc : 0)
                    | (command.TransmitPfc ? SlotFlags.Pfc : 0)
                    | (command.RequireEncryption ? SlotFlags.EncryptionRequired : 0);
                break;
            case WorkerCommandKind.SetMppe:
            {
                byte[] keys = command.Keys!;
                int half = keys.Length / 2;
                _senders[slot].Initialize(keys.AsSpan(0, half), command.Strength, command.Stateless);
                _receivers[slot].Initialize(keys.AsSpan(half, half), command.Strength, command.Stateless);
                WipeKeys(ref command);
                state.Flags |= SlotFlags.Mppe;
                break;
            }
            case WorkerCommandKind.PeerResetRequest:
                _senders[slot].OnResetRequestReceived();
                break;
            case WorkerCommandKind.SendControlFrame:
                _controlDown++;
                command.Frame.SessionIndex = slot;
                SendGre(slot, ref state, command.Frame);
                break;
        }
    }

    private static void WipeKeys(ref WorkerCommand command)
    {
        if (command.Keys is not null)
        {
            Array.Clear(command.Keys);
            command.Keys = null;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Per-session state
    // ------------------------------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Owns(int slot) => _table.GetConfig(slot).Worker == _index;

    /// <summary>True when the table still holds the session our state for <paramref name="slot"/> belongs to.</summary>
    private bool IsLive(int slot)
    {
        ref SlotState state = ref _slots[slot];
        return (state.Flags & SlotFlags.Closed) == 0 && (state.Generation & 1) == 1
            && _table.HandleOf(slot).Generation == state.Generation;
    }

    /// <summary>
    /// For a slot a lookup just returned: opens our state for its session on first sight; false when the session was
    /// removed meanwhile (its generation is even now) or our state for it is already closed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryEnter(int slot)
    {
        uint generation = _table.HandleOf(slot).Generation;
        if ((generation & 1) == 0)
            return false;
        EnsureOpen(slot, generation);
        return (_slots[slot].Flags & SlotFlags.Closed) == 0;
    }

    /// <summary>
    /// Makes our state for <paramref name="slot"/> that of generation <paramref name="generation"/> (live, found by a
    /// lookup or named by a current handle in this burst): on first sight, closes what the slot held for an earlier
    /// session and opens the new one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureOpen(int slot, uint generation)
    {
        if (_slots[slot].Generation != generation)
            Open(slot, generation);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Open(int slot, uint generation)
    {
        ref SlotState state = ref _slots[slot];
        CloseState(slot); // the previous session's held packets, if any, are freed here

        // Readers of the counters (TryGetCounters) check the generation before and after: hide the reset from them.
        Volatile.Write(ref state.Generation, 0);
        ref readonly SessionConfig config = ref _table.GetConfig(slot);
        SessionSpecSlot spec = _specs[slot];
        _sequencer.Open(slot, config.PeerCallId, spec.OurReceiveWindow, spec.PeerReceiveWindow);
        _senders[slot].Clear();
        _receivers[slot].Clear();
        Array.Clear(_sessionDrops, slot * ReasonCount, ReasonCount);
        state = default;
        state.PeerAddress = config.PeerAddress;
        Volatile.Write(ref state.Generation, generation);
    }

    /// <summary>Ends our state for the slot's current generation: frees held packets, forgets keys; counters stay.</summary>
    private void CloseState(int slot)
    {
        ref SlotState state = ref _slots[slot];
        int n = _sequencer.Close(slot, _held);
        for (int k = 0; k < n; k++)
            Drop(FromId(_held[k]), slot, DataplaneDropReason.SessionClosed);
        ulong keyChanges = _senders[slot].KeyChanges + _receivers[slot].KeyChanges;
        _senders[slot].Clear();
        _receivers[slot].Clear();
        Volatile.Write(ref _retiredKeyChanges, _retiredKeyChanges + keyChanges); // after the clear: see MppeKeyChanges
        state.Flags = SlotFlags.Closed;
    }

    /// <summary>Reads a session's counters from another thread (the control plane): false unless this worker holds state for exactly that session.</summary>
    internal bool TryReadCounters(SessionHandle session, out SessionCounters counters)
    {
        counters = default;
        if ((uint)session.Slot >= (uint)_slots.Length)
            return false;
        ref SlotState state = ref _slots[session.Slot];
        if (Volatile.Read(ref state.Generation) != session.Generation)
            return false;
        ref GreReceiveState receive = ref _sequencer.ReceiveState(session.Slot);
        ref GreTransmitState transmit = ref _sequencer.TransmitState(session.Slot);
        ulong dropped = 0;
        for (int r = 1; r < ReasonCount; r++)
            dropped += _sessionDrops[(session.Slot * ReasonCount) + r];
        counters = new SessionCounters(
            state.PacketsIn, state.BytesIn, state.PacketsOut, state.BytesOut,
            receive.LastInOrder, transmit.PeerAcknowledged, transmit.NextSequenceNumber, transmit.LastAcknowledgmentSent,
            transmit.PeerReceiveWindow, receive.Reordered, dropped);
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref state.Generation) == session.Generation;
    }

    internal bool TryReadDrops(SessionHandle session, out SessionDropCounters drops)
    {
        drops = null!;
        if ((uint)session.Slot >= (uint)_slots.Length || Volatile.Read(ref _slots[session.Slot].Generation) != session.Generation)
            return false;
        var counts = new ulong[ReasonCount];
        for (int r = 1; r < ReasonCount; r++)
            counts[r] = _sessionDrops[(session.Slot * ReasonCount) + r];
        Interlocked.MemoryBarrier();
        drops = new SessionDropCounters(counts);
        return Volatile.Read(ref _slots[session.Slot].Generation) == session.Generation;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Transmit, drops, handles
    // ------------------------------------------------------------------------------------------------------------

    private void FlushInside()
    {
        int count = _insideTxCount;
        if (count == 0)
            return;
        _insideTxCount = 0;
        int sent = _inside.TransmitBurst(_insideTx.AsSpan(0, count));
        _insideDelivered += (ulong)sent;
        for (int i = sent; i < count; i++)
            Drop(_insideTx[i], _insideTx[i].SessionIndex, DataplaneDropReason.InsideTransmitFull);
    }

    private void FlushOutside()
    {
        int count = _outsideTxCount;
        if (count == 0)
            return;
        _outsideTxCount = 0;
        int sent = _outside.TransmitBurst(_outsideTx.AsSpan(0, count));
        _outsideSent += (ulong)sent;
        for (int i = sent; i < count; i++)
            Drop(_outsideTx[i], _outsideTx[i].SessionIndex, DataplaneDropReason.OutsideTransmitFull);
    }

    private void Drop(PacketHandle packet, DataplaneDropReason reason)
    {
        _drops[(int)reason]++;
        _cache.Free(packet);
    }

    private void Drop(PacketHandle packet, int slot, DataplaneDropReason reason)
    {
        Count(slot, reason);
        _cache.Free(packet);
    }

    private void Count(int slot, DataplaneDropReason reason)
    {
        _drops[(int)reason]++;
        if ((uint)slot < (uint)_slots.Length)
            _sessionDrops[(slot * ReasonCount) + (int)reason]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IdOf(PacketHandle packet) => packet.Buffer.PoolIndex;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PacketHandle FromId(int id) => new(_descriptors + id);

    /// <summary>Returns the worker's cached free packets to the pool (after its thread has stopped).</summary>
    internal void FlushCache() => _cache.Flush();

    /// <summary>Frees everything the worker still holds (held reorder packets of every session), after its thread has stopped.</summary>
    internal void ReleaseAll()
    {
        for (int slot = 0; slot < _slots.Length; slot++)
        {
            if (_slots[slot].Generation != 0 && (_slots[slot].Flags & SlotFlags.Closed) == 0)
                CloseState(slot);
        }

        FlushInside();
        FlushOutside();
        while (_commands.TryDequeue(out WorkerCommand command))
        {
            if (command.Kind == WorkerCommandKind.SendControlFrame)
                _cache.Free(command.Frame);
            WipeKeys(ref command);
        }

        _cache.Flush();
    }

    [Flags]
    private enum SlotFlags : byte
    {
        None = 0,
        NetworkUp = 1,
        EncryptionRequired = 2,
        Mppe = 4,
        Acfc = 8,
        Pfc = 16,
        Closed = 32,
    }

    /// <summary>A packet waiting in an MPPE burst stage, with the session state it was staged under.</summary>
    /// <param name="Offset">Decrypt stage: the PPP header's length (the MPPE header follows). Encrypt stage: 0 (the
    /// MPPE header is at the data's start) or <see cref="NotEncrypted"/>.</param>
    private readonly record struct Staged(PacketHandle Packet, int Slot, uint Generation, int Offset)
    {
        public const int NotEncrypted = -1;
    }

    /// <summary>A session's worker-owned scalars (the GRE and MPPE state live in their own arrays).</summary>
    private struct SlotState
    {
        public uint Generation;     // of the session this state belongs to; 0 = none
        public uint PeerAddress;
        public uint TunnelAddress;
        public SlotFlags Flags;
        public ulong PacketsIn;
        public ulong BytesIn;
        public ulong PacketsOut;
        public ulong BytesOut;
    }
}
