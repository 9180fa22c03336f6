using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
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

    /// <summary>
    /// Stateful MPPE: at most one CCP Reset-Request signal per session per this many milliseconds. A packet after a
    /// gap cannot be verified (its keystream is unknown), so it may be forged: it may ask for a Reset-Request (whose
    /// answer, a flushed packet, resynchronises both ends, RFC 3078 §8.2) but not flood the control plane.
    /// </summary>
    public const int ResetSignalIntervalMilliseconds = 100;

    /// <summary>
    /// A stateless coherency jump longer than this (key changes) is walked only after the other sessions' packets of
    /// the receive stage have been delivered (see <see cref="RunReceiveStage"/>, step 4).
    /// </summary>
    public const int LongWalkKeyChanges = 32;

    private const uint DecryptedMark = 0x4D505045; // "MPPE": UserData of a packet already decrypted and verified
    private const int ReasonCount = DataplaneCounters.ReasonCount;

    /// <summary>ICMP "fragmentation needed" a worker sends at most per second (Linux: net.ipv4.icmp_msgs_per_sec = 1000).</summary>
    public const int IcmpPerSecond = 1000;

    /// <summary>... and at most at once (Linux: icmp_msgs_burst = 50).</summary>
    public const int IcmpBurst = 50;
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
    private readonly bool _clientRole; // DataplaneRole.Client: _localAddress is the server's; see DataplaneRole
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
    private readonly MppePacketPointer[] _mppePackets = new MppePacketPointer[MppeBurst.MaxPackets];
    private readonly MppeDropReason[] _mppeResults = new MppeDropReason[MppeBurst.MaxPackets];
    private int _encryptCount;
    private ushort _ipIdentification;

    // The receive stage (see ReceiveOutside / RunReceiveStage): GRE data packets of the outside burst, in arrival
    // order, not yet accounted by the sequencer; the sessions with packets in the MPPE burst and their snapshots.
    private readonly RxStaged[] _rxStage = new RxStaged[MppeBurst.MaxPackets];
    private readonly BurstSession[] _burstSessions = new BurstSession[MppeBurst.MaxPackets];
    private readonly MppeReceiver[] _snapshots = new MppeReceiver[MppeBurst.MaxPackets];
    private readonly MppeReceiverMark[] _marks = new MppeReceiverMark[MppeBurst.MaxPackets];
    private int _rxCount;
    private int _burstSessionCount;
    private uint _burstEpoch;
    private ulong _tentativeKeyChanges, _rollbacks;

    // Rekey budget (see RekeyBudget): the worker's bucket; each session's is in its SlotState.
    private readonly RekeyBudget _rekeyBudget;
    private readonly long _ticksPerSecond;
    private readonly long _resetSignalIntervalTicks;
    private RekeyTokenBucket _rekeyTokens;
    private RekeyTokenBucket _icmpTokens;     // ICMP "fragmentation needed" sent (RFC 1812 §4.3.2.8: rate-limited)
    private ushort _icmpIdentification;
    private ulong _loops, _busyLoops;         // turns of RunOnce, and those that found work (show dataplane)
    private readonly PacketHandle[] _fragments = new PacketHandle[MaxFragments]; // Fragment's later fragments, before staging
    private readonly bool _randomInitialSequenceNumbers;

    // Counters: written by this worker only, read by anyone (monotonic, a snapshot may lag).
    private readonly ulong[] _drops = new ulong[ReasonCount];
    private ulong _outsideReceived, _insideDelivered, _insideReceived, _outsideSent, _controlUp, _controlDown;
    private ulong _acksReceived, _acksSent, _resets, _commandsApplied;
    private ulong _retiredKeyChanges; // MPPE key changes of sessions this worker closed (read by MppeKeyChanges)

    internal Worker(int index, SessionTable table, PacketPool pool, DataplanePortPair ports,
        SpscRing<WorkerCommand> commands, SpscRing<UpMessage> up, SessionSpecSlot[] specs,
        TimeProvider time, GreReorderPolicy reorder, long acknowledgmentDelayTicks, RekeyBudget? rekeyBudget = null,
        bool randomInitialSequenceNumbers = true)
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
        _clientRole = ports.Role == DataplaneRole.Client;
        if (_clientRole && !_outsideIpv4)
            throw new ArgumentException("The client role needs outside ports with IPv4 framing (the PACs' addresses are per packet).", nameof(ports));
        _commands = commands;
        _up = up;
        _specs = specs;
        _time = time;
        _rekeyBudget = rekeyBudget ?? RekeyBudget.Default;
        _randomInitialSequenceNumbers = randomInitialSequenceNumbers;
        _ticksPerSecond = time.TimestampFrequency;
        _resetSignalIntervalTicks = Math.Max(1, _ticksPerSecond * ResetSignalIntervalMilliseconds / 1000);
        _rekeyTokens.Reset(_rekeyBudget.PerWorkerBurst, time.GetTimestamp());
        _icmpTokens.Reset(IcmpBurst, time.GetTimestamp());

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

    /// <summary>Turns of the loop and the rings' occupancy now (read from another thread: approximate).</summary>
    public WorkerLoopStatistics Loop => new(Volatile.Read(ref _loops), Volatile.Read(ref _busyLoops), _commands.Count, _commands.Capacity,
        _up.Count, _up.Capacity);

    /// <summary>Key changes spent on the single-packet MPPE path (coherency jumps, forged counts included).</summary>
    public ulong TentativeKeyChanges => Volatile.Read(ref _tentativeKeyChanges);

    /// <summary>Receive stages in which a session's MPPE burst was rolled back (a burst packet failed verification).</summary>
    public ulong MppeRollbacks => Volatile.Read(ref _rollbacks);

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
        RunReceiveStage(now);
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
        _loops++;
        if (work != 0)
            _busyLoops++;
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
            if (!sequencePresent)
            {
                // Acknowledgment-only (RFC 2637 §4.1). It cannot be shown to belong to the session; the peer's
                // acknowledgment only feeds counters (we never hold data for the peer's window, GreTransmitState).
                _ = _sequencer.Receive(slot, false, 0, ackPresent, ack, IdOf(packet), now, _deliver, out _);
                _acksReceived++;
                _cache.Free(packet);
                return;
            }

            // Data: staged for the receive stage, which shows the packet belongs to the session before anything of
            // the session's state (GRE window, MPPE keys, acknowledgment owed) moves.
            if (_rxCount == _rxStage.Length)
                RunReceiveStage(now);
            _rxStage[_rxCount++] = new RxStaged
            {
                Packet = packet, Slot = slot, Generation = _slots[slot].Generation,
                Sequence = sequence, AcknowledgmentPresent = ackPresent, Acknowledgment = ack,
            };
        }
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

        if (_clientRole)
        {
            // Client role: only the server speaks to us, and the destination (one of our PACs) names the session.
            if (ip.SourceAddress != _localAddress)
            {
                Drop(packet, DataplaneDropReason.UnknownSession);
                return false;
            }

            packet.PeerAddress = ip.DestinationAddress;
        }
        else
        {
            packet.PeerAddress = ip.SourceAddress;
        }

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
            // RFC 1962 §2: compressed datagrams before CCP is opened are silently discarded. (With MPPE up they are
            // decrypted and verified in the receive stage before sequencing and arrive here as IPv4; this is one
            // that was sequenced before the keys were installed.)
            Drop(packet, slot, (state.Flags & SlotFlags.Mppe) == 0
                ? DataplaneDropReason.MppeNotNegotiated : DataplaneDropReason.MppeDecryptFailed);
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
            state.ControlIn++; // off the data path: lets Idle-Timeout tell data from LCP echoes (SessionCounters.DataPacketsIn)
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
    /// The receive stage: the GRE data packets of the outside burst, in arrival order, each shown to belong to its
    /// session before anything of that session's state moves (issue 9: "no unauthenticated packet changes
    /// per-session state"). Five steps:
    /// <list type="number">
    /// <item>Classify, changing nothing: PPP frame; for an MPPE session, the tentative GRE window check
    /// (<see cref="GreSequencer.Check"/>) and whether the packet is the next coherency count of its session (then it
    /// joins the MPPE burst, the fast path); any other MPPE packet takes the single-packet path.</item>
    /// <item>The MPPE burst (<see cref="MppeBurst"/>: two RC4 streams interleaved), then each plaintext is verified
    /// (<see cref="MppePlaintext.IsWellFormed"/>).</item>
    /// <item>A session with a burst packet that failed (a forgery inside the window: rare) is rolled back to its
    /// snapshot taken before the burst, its packets' ciphertexts restored, and its packets go the single path.</item>
    /// <item>In arrival order: verified packets are sequenced (GRE window, reorder ring, acknowledgment owed) and
    /// delivered; single-path packets are decrypted on a copy of the key state (<see cref="MppeReceiver.TryDecryptVerified"/>,
    /// within the rekey budget) and committed only if they verify; a verified packet with a fresh coherency count
    /// may move a GRE window it lies beyond. Packets of sessions without MPPE, and PPP control frames (never
    /// encrypted, RFC 3078 §1), are sequenced as they are: nothing can authenticate them (docs/ARCHITECTURE.md).</item>
    /// <item>A session whose packet needs a coherency walk longer than <see cref="LongWalkKeyChanges"/> is set aside in
    /// step 4, with its later packets (their order is kept), and done last, after the other sessions' datagrams have
    /// been sent inside: a forged far count (or a real loss burst) does not delay the rest of the burst.</item>
    /// </list>
    /// </summary>
    private void RunReceiveStage(long now)
    {
        int count = _rxCount;
        if (count == 0)
            return;
        _rxCount = 0;
        Span<RxStaged> stage = _rxStage.AsSpan(0, count);
        if (++_burstEpoch == 0)
            _burstEpoch = 1;
        int burst = 0;

        // 1. Classify.
        for (int k = 0; k < stage.Length; k++)
        {
            ref RxStaged st = ref stage[k];
            st.Kind = RxKind.Plain;
            if (!IsStagedLive(st.Slot, st.Generation))
            {
                st.Kind = RxKind.Dead;
                continue;
            }

            ref SlotState state = ref _slots[st.Slot];
            if ((state.Flags & SlotFlags.Mppe) == 0)
                continue;
            Span<byte> data = st.Packet.Data;
            if (PppFrame.TryParse(data, out PppFrame frame) != PppFrameError.None)
            {
                st.Kind = RxKind.Done;
                Drop(st.Packet, st.Slot, DataplaneDropReason.PppFrameInvalid);
                continue;
            }

            if (frame.Protocol != PppProtocol.CompressedDatagram)
            {
                if (frame.Protocol == PppProtocol.Ipv4)
                {
                    // RFC 3078 §1: with MPPE up, clear data is refused — before it can move the GRE window.
                    st.Kind = RxKind.Done;
                    Drop(st.Packet, st.Slot, DataplaneDropReason.UnencryptedRefused);
                }

                continue; // a control frame: sequenced as it is
            }

            st.MppeOffset = frame.HeaderLength;
            GreWindowCheck check = _sequencer.Check(st.Slot, st.Sequence);
            if (check == GreWindowCheck.Duplicate || check == GreWindowCheck.TooOld)
            {
                st.Kind = RxKind.Done;
                Drop(st.Packet, st.Slot, check == GreWindowCheck.Duplicate ? DataplaneDropReason.GreDuplicate : DataplaneDropReason.GreTooOld);
                continue;
            }

            st.Kind = RxKind.MppeSingle;
            ReadOnlySpan<byte> mppe = data[st.MppeOffset..];
            if (check != GreWindowCheck.InWindow || mppe.Length <= MppeHeader.Length
                || MppeHeader.TryRead(mppe, out MppeHeader header) != MppeHeaderError.None || !header.IsEncrypted
                || (header.Flags & (MppeHeaderFlags.Compressed | MppeHeaderFlags.PacketAtFront)) != 0)
                continue;

            ref BurstSession session = ref BurstSessionOf(st.Slot);
            if (session.Slow)
                continue;
            if (((header.CoherencyCount - session.CoherencyCount) & MppeHeader.CoherencyCountMask) != 1)
            {
                // Not the next count: this and the session's later packets of the burst take the single path.
                session.Slow = true;
                continue;
            }

            // What a rollback needs (step 3). A stateful stream that no packet of the burst re-keys is run backwards
            // over its packets, so only a mark of the counters is kept; a stateless session, or a stateful packet that
            // changes the key (flushed or a flag packet: 1 in 256), takes a copy of the whole receiver (1.5 KB), as
            // the receiver is still untouched in this step.
            if (!session.HasSnapshot)
            {
                ref MppeReceiver receiver = ref _receivers[st.Slot];
                if (receiver.IsStateless || MppeReceiver.ChangesKey(header))
                {
                    _snapshots[session.Index] = receiver;
                    session.HasSnapshot = true;
                }
                else if (!session.HasMark)
                {
                    receiver.Mark(out _marks[session.Index]);
                    session.HasMark = true;
                }
            }

            session.CoherencyCount = header.CoherencyCount;
            st.Kind = RxKind.MppeBurst;
            st.BurstIndex = burst;
            ref PacketBuffer b = ref st.Packet.Buffer;
            _mppePackets[burst++] = new MppePacketPointer(st.Slot, b.BufferAddress + b.DataOffset + st.MppeOffset, b.DataLength - st.MppeOffset);
        }

        // 2. The MPPE burst, then the evidence.
        if (burst != 0)
        {
            Span<MppeDropReason> results = _mppeResults.AsSpan(0, burst);
            _ = MppeBurst.Decrypt(_receivers, _mppePackets.AsSpan(0, burst), results);
            bool anyFailed = false;
            for (int k = 0; k < stage.Length; k++)
            {
                ref RxStaged st = ref stage[k];
                if (st.Kind != RxKind.MppeBurst)
                    continue;
                if (results[st.BurstIndex] == MppeDropReason.None
                    && MppePlaintext.IsWellFormed(st.Packet.Data[(st.MppeOffset + MppeHeader.Length)..], out int protocolLength))
                {
                    st.ProtocolLength = (byte)protocolLength;
                    continue;
                }

                BurstSessionOf(st.Slot).Failed = true;
                anyFailed = true;
            }

            // 3. Roll back the sessions a burst packet failed in.
            if (anyFailed)
            {
                for (int n = 0; n < _burstSessionCount; n++)
                {
                    if (_burstSessions[n].Failed)
                        RollBack(ref _burstSessions[n], stage, results);
                }
            }
        }

        // 4. Sequence and deliver, in arrival order; a session whose packet needs a long coherency walk (a real
        // loss burst or a forged count: up to ~5 ms of key changes) is set aside with its later packets, so that the
        // other sessions' packets of this stage are delivered (and sent inside) before that work starts.
        bool setAside = false;
        for (int k = 0; k < stage.Length; k++)
        {
            ref RxStaged st = ref stage[k];
            if (st.Kind == RxKind.Done)
                continue;
            if (st.Kind != RxKind.Dead)
            {
                if (IsSetAside(st.Slot))
                    continue;
                if (st.Kind == RxKind.MppeSingle && NeedsLongWalk(ref st))
                {
                    BurstSessionOf(st.Slot).SetAside = true;
                    setAside = true;
                    continue;
                }
            }

            Process(ref st, now);
            st.Kind = RxKind.Done;
        }

        // 5. The sessions set aside, in arrival order, once the others' datagrams have left.
        if (setAside)
        {
            FlushInside();
            for (int k = 0; k < stage.Length; k++)
            {
                ref RxStaged st = ref stage[k];
                if (st.Kind != RxKind.Done)
                    Process(ref st, now);
            }
        }

        for (int n = 0; n < _burstSessionCount; n++)
        {
            if (_burstSessions[n].HasSnapshot)
                _snapshots[n] = default; // key material
        }

        _burstSessionCount = 0;
        stage.Clear(); // no stale handles in the scratch
    }

    private void Process(ref RxStaged st, long now)
    {
        switch (st.Kind)
        {
            case RxKind.Dead:
                Drop(st.Packet, st.Slot, DataplaneDropReason.SessionClosed);
                break;
            case RxKind.Plain:
                Sequence(ref st, now, automaticResync: (_slots[st.Slot].Flags & SlotFlags.Mppe) == 0);
                break;
            case RxKind.MppeBurst:
                Commit(ref st, now, _sequencer.Check(st.Slot, st.Sequence));
                break;
            case RxKind.MppeSingle:
                DecryptSingle(ref st, now);
                break;
        }
    }

    /// <summary>True when <paramref name="slot"/>'s session was set aside in the current receive stage (step 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsSetAside(int slot)
    {
        ref SlotState state = ref _slots[slot];
        return state.BurstEpoch == _burstEpoch && _burstSessions[state.BurstIndex].SetAside;
    }

    /// <summary>
    /// A stateless packet whose coherency count lies more than <see cref="LongWalkKeyChanges"/> ahead of its
    /// session's: decrypting it walks that many key changes first (<see cref="MppeReceiver.TryDecryptVerified"/>).
    /// </summary>
    private bool NeedsLongWalk(ref RxStaged st)
    {
        ref MppeReceiver receiver = ref _receivers[st.Slot];
        if (!receiver.IsStateless)
            return false; // stateful: at most 9 key changes (RFC 3078 §7.2: one per flag packet missed + the flush)
        ReadOnlySpan<byte> mppe = st.Packet.Data[st.MppeOffset..];
        if (MppeHeader.TryRead(mppe, out MppeHeader header) != MppeHeaderError.None)
            return false;
        int ahead = (header.CoherencyCount - receiver.CoherencyCount) & MppeHeader.CoherencyCountMask;
        return ahead > LongWalkKeyChanges && ahead <= MppeReceiver.MaxTentativeKeyChanges;
    }

    /// <summary>The burst entry of <paramref name="slot"/>'s session in the current receive stage (created on first use).</summary>
    private ref BurstSession BurstSessionOf(int slot)
    {
        ref SlotState state = ref _slots[slot];
        if (state.BurstEpoch != _burstEpoch)
        {
            state.BurstEpoch = _burstEpoch;
            state.BurstIndex = _burstSessionCount;
            _burstSessions[_burstSessionCount++] = new BurstSession
            {
                Slot = slot, Index = state.BurstIndex, CoherencyCount = _receivers[slot].CoherencyCount,
            };
        }

        return ref _burstSessions[state.BurstIndex];
    }

    /// <summary>
    /// Undoes what the MPPE burst did to a session in which a packet failed verification: the packets it decrypted
    /// are encrypted again by replaying them on a copy of the snapshot (RC4 is its own inverse under the same
    /// keystream; the replay makes the same decisions, <see cref="MppeBurst"/> being equivalent to one
    /// <see cref="MppeReceiver.Decrypt"/> after the other), the state is restored, and every packet of the session
    /// in this stage takes the single, verify-before-commit path.
    /// </summary>
    private void RollBack(ref BurstSession session, Span<RxStaged> stage, Span<MppeDropReason> results)
    {
        if (!session.HasSnapshot)
        {
            // Stateful, no key change in the burst: the stream is run backwards over the packets it decrypted, last
            // first (which also restores their ciphertexts), then the counters are put back from the mark.
            ref MppeReceiver receiver = ref _receivers[session.Slot];
            for (int k = stage.Length - 1; k >= 0; k--)
            {
                ref RxStaged st = ref stage[k];
                if (st.Kind != RxKind.MppeBurst || st.Slot != session.Slot)
                    continue;
                if (results[st.BurstIndex] == MppeDropReason.None)
                    receiver.RewindDecrypted(st.Packet.Data[st.MppeOffset..]);
                st.Kind = RxKind.MppeSingle;
            }

            receiver.RollBack(in _marks[session.Index]);
            _rollbacks++;
            return;
        }

        MppeReceiver replay = _snapshots[session.Index];
        for (int k = 0; k < stage.Length; k++)
        {
            ref RxStaged st = ref stage[k];
            if (st.Kind != RxKind.MppeBurst || st.Slot != session.Slot)
                continue;
            if (results[st.BurstIndex] == MppeDropReason.None)
                _ = replay.Decrypt(st.Packet.Data[st.MppeOffset..]);
            st.Kind = RxKind.MppeSingle;
        }

        _receivers[session.Slot] = _snapshots[session.Index];
        replay.Clear();
        _rollbacks++;
    }

    /// <summary>A packet nothing can authenticate (no MPPE on the session, or a PPP control frame): sequenced as it is.</summary>
    private void Sequence(ref RxStaged st, long now, bool automaticResync)
    {
        int slot = st.Slot;
        PacketHandle packet = st.Packet;
        GreReceiveResult result = _sequencer.Receive(slot, true, st.Sequence, st.AcknowledgmentPresent, st.Acknowledgment,
            IdOf(packet), now, _deliver, out int delivered, automaticResync);
        Finish(slot, packet, result, delivered);
    }

    /// <summary>
    /// A packet shown to belong to its session (decrypted and verified, MPPE state committed): strip it to the IPv4
    /// datagram and sequence it; beyond the window (<paramref name="check"/>) it moves the window to itself.
    /// </summary>
    private void Commit(ref RxStaged st, long now, GreWindowCheck check)
    {
        int slot = st.Slot;
        PacketHandle packet = st.Packet;
        if (check == GreWindowCheck.Duplicate || check == GreWindowCheck.TooOld)
        {
            Drop(packet, slot, check == GreWindowCheck.Duplicate ? DataplaneDropReason.GreDuplicate : DataplaneDropReason.GreTooOld);
            return;
        }

        _ = packet.TryRemoveFront(st.MppeOffset + MppeHeader.Length + st.ProtocolLength);
        packet.UserData = DecryptedMark;
        int delivered;
        GreReceiveResult result = check == GreWindowCheck.BeyondWindow
            ? _sequencer.ReceiveResynchronizing(slot, st.Sequence, st.AcknowledgmentPresent, st.Acknowledgment, IdOf(packet), now, _deliver, out delivered)
            : _sequencer.Receive(slot, true, st.Sequence, st.AcknowledgmentPresent, st.Acknowledgment, IdOf(packet), now, _deliver, out delivered, automaticResync: false);
        Finish(slot, packet, result, delivered);
    }

    private void Finish(int slot, PacketHandle packet, GreReceiveResult result, int delivered)
    {
        switch (result)
        {
            case GreReceiveResult.Delivered:
            case GreReceiveResult.Held:
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
            DeliverUp(slot, FromId(_deliver[k]));
    }

    /// <summary>
    /// The single-packet MPPE path (a coherency jump, a late or repeated count, a flushed stateful packet, a packet
    /// beyond the GRE window, or a session rolled back): decrypt on a copy of the key state within the rekey budget,
    /// commit only when the plaintext verifies.
    /// </summary>
    private void DecryptSingle(ref RxStaged st, long now)
    {
        int slot = st.Slot;
        PacketHandle packet = st.Packet;
        GreWindowCheck check = _sequencer.Check(slot, st.Sequence);
        if (check == GreWindowCheck.Duplicate || check == GreWindowCheck.TooOld)
        {
            Drop(packet, slot, check == GreWindowCheck.Duplicate ? DataplaneDropReason.GreDuplicate : DataplaneDropReason.GreTooOld);
            return;
        }

        ref SlotState state = ref _slots[slot];
        RekeyBudget budget = _rekeyBudget;
        long available = Math.Min(
            state.RekeyTokens.Available(now, budget.PerSessionPerSecond, budget.PerSessionBurst, _ticksPerSecond),
            _rekeyTokens.Available(now, budget.PerWorkerPerSecond, budget.PerWorkerBurst, _ticksPerSecond));
        int limit = (int)Math.Min(MppeReceiver.MaxTentativeKeyChanges, 1 + available); // the first change is free

        MppeDropReason reason = _receivers[slot].TryDecryptVerified(packet.Data[st.MppeOffset..], limit,
            out int keyChanges, out bool advanced, out int protocolLength);
        // Only a walk whose packet failed is charged. A verified walk is the peer's own count advancing: each count it
        // sent costs one key change (RFC 3078 §7.3) whether that packet arrived or was lost, the same work as with no
        // loss at all. Charging it let a real peer's losses in a full queue drain the budget; the refused packets then
        // widened the next gaps, and the receiver fell ever further behind until it lost the stream (issue 13: 67 %
        // loss at 80,000/s offered). A forged count never verifies (2^-44), so forgeries still pay for every change.
        if (keyChanges > 1 && reason != MppeDropReason.None)
        {
            state.RekeyTokens.Spend(keyChanges - 1);
            _rekeyTokens.Spend(keyChanges - 1);
        }

        _tentativeKeyChanges += (ulong)keyChanges;
        switch (reason)
        {
            case MppeDropReason.None:
                if (check == GreWindowCheck.BeyondWindow && !advanced)
                {
                    // A late or repeated count decrypts with a kept key, which a replay can produce: no evidence
                    // for moving the window.
                    Drop(packet, slot, DataplaneDropReason.GreBeyondWindow);
                    return;
                }

                st.ProtocolLength = (byte)protocolLength;
                Commit(ref st, now, check);
                return;
            case MppeDropReason.VerificationFailed:
                Drop(packet, slot, DataplaneDropReason.MppeVerificationFailed);
                return;
            case MppeDropReason.RekeyBudgetExhausted:
                Drop(packet, slot, DataplaneDropReason.MppeRekeyBudgetExhausted);
                return;
            case MppeDropReason.StatefulPacketLoss:
                // RFC 3078 §8.2 / RFC 1962 §2.1: ask for a Reset-Request; its answer (flushed) resynchronises.
                if (now - state.LastResetSignalTicks >= _resetSignalIntervalTicks)
                {
                    state.LastResetSignalTicks = now;
                    SignalResetRequest(slot, ref state);
                }

                Drop(packet, slot, DataplaneDropReason.MppeDecryptFailed);
                return;
            default:
                Drop(packet, slot, DataplaneDropReason.MppeDecryptFailed);
                return;
        }
    }

    /// <summary>A packet the sequencer released in order: already decrypted and verified (MPPE), or a PPP frame as received.</summary>
    private void DeliverUp(int slot, PacketHandle packet)
    {
        if (packet.UserData != DecryptedMark)
        {
            ReceivePpp(slot, packet);
            return;
        }

        packet.UserData = 0;
        ref SlotState state = ref _slots[slot];
        if ((state.Flags & SlotFlags.Closed) != 0)
        {
            Drop(packet, slot, DataplaneDropReason.SessionClosed);
            return;
        }

        state.PacketsIn++;
        state.BytesIn += (ulong)packet.Length;
        DeliverIpv4(slot, ref state, packet);
    }

    /// <summary>True when our state for a staged packet's slot is still that of the generation it was staged under.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsStagedLive(int slot, uint generation)
    {
        ref SlotState state = ref _slots[slot];
        return state.Generation == generation && (state.Flags & SlotFlags.Closed) == 0;
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

        // Anti-spoofing: a client may only send from the address IPCP gave it (RFC 1332 §3.3). In the client role the
        // datagram must be addressed to the address IPCP gave us.
        if (BinaryPrimitives.ReadUInt32BigEndian(ip[_clientRole ? 16.. : 12..]) != state.TunnelAddress)
        {
            Drop(packet, slot, DataplaneDropReason.SpoofedSource);
            return;
        }

        _ = packet.TryTrim(ip.Length - totalLength);
        if (state.TcpMss != 0)
            _ = TcpMssClamp.Apply(packet.Data, state.TcpMss); // the server's reply to the client's SYN comes the other way
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

        // Gateway: the destination is a client's tunnel address; client role: the source is one of our tunnel addresses.
        if (!_table.TryLookupInside(BinaryPrimitives.ReadUInt32BigEndian(ip[_clientRole ? 12.. : 16..]), out int slot))
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

        // RFC 1191: a datagram that cannot cross the tunnel unfragmented, and may not be fragmented, is answered with
        // ICMP "fragmentation needed" so the sender's Path MTU Discovery adapts; one that may be fragmented is (RFC 791
        // §3.2). The limit is the client's MRU (RFC 1661 §6.1, an information field) less what MPPE puts in it before the
        // datagram (RFC 3078 §3: its header and the encrypted protocol field), as pppd and accel-ppp lower the interface
        // MTU under MPPE. Costs other packets one compare (TunnelMtu is 0 unless set) and one length compare.
        if (state.TunnelMtu != 0 && ip.Length > TunnelDatagramLimit(state.TunnelMtu, flags))
        {
            if (IcmpFragmentationNeeded.DontFragment(ip))
                AnswerTooBig(packet, slot, TunnelDatagramLimit(state.TunnelMtu, flags));
            else
                Fragment(packet, slot, ref state, flags, TunnelDatagramLimit(state.TunnelMtu, flags));
            return;
        }

        StageOutside(packet, slot, ref state, flags);
    }

    /// <summary>The rest of the inside → outside path for one datagram: MSS clamp, PPP/MPPE framing, the encrypt stage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StageOutside(PacketHandle packet, int slot, ref SlotState state, SlotFlags flags)
    {
        if (_encryptCount == _encryptStage.Length)
            RunEncryptStage(); // fragments of one datagram can fill it within a burst
        Span<byte> ip = packet.Data;
        if (state.TcpMss != 0)
            _ = TcpMssClamp.Apply(ip, state.TcpMss); // before MPPE: the clamp reads the plaintext headers

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
    /// RFC 791 §3.2: a datagram without DF larger than the tunnel's limit leaves as fragments of at most
    /// <paramref name="limit"/> octets (data in multiples of 8), the first in its own buffer, the others in buffers from the
    /// pool; the client reassembles them (RFC 791 §3.2, as any host must). The MSS clamp runs on the whole datagram first
    /// (only the first fragment carries the TCP header). Not fragmented, counted as
    /// <see cref="DataplaneDropReason.TunnelMtuExceeded"/> and dropped: a datagram with IP options (each option's copy
    /// flag would have to be honoured per fragment; hosts rarely send them), a limit below 28 octets, more than
    /// <see cref="MaxFragments"/> fragments; no buffer for one: <see cref="DataplaneDropReason.PoolExhausted"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fragment(PacketHandle packet, int slot, ref SlotState state, SlotFlags flags, int limit)
    {
        Span<byte> ip = packet.Data;
        int ihl = (ip[0] & 0x0F) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        int chunk = (limit - Ipv4Header.MinHeaderLength) & ~7;
        if (ihl != Ipv4Header.MinHeaderLength || total > ip.Length || total <= limit || chunk < 8
            || (total - ihl + chunk - 1) / chunk > MaxFragments)
        {
            Drop(packet, slot, DataplaneDropReason.TunnelMtuExceeded);
            return;
        }
        if (state.TcpMss != 0)
            _ = TcpMssClamp.Apply(ip[..total], state.TcpMss);

        ushort original = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        int offset = original & 0x1FFF;           // in 8-octet units: this datagram may be a fragment already
        bool lastMoreFragments = (original & 0x2000) != 0;
        int data = total - ihl;
        int extra = 0;
        for (int at = chunk; at < data; at += chunk)
        {
            int length = Math.Min(chunk, data - at);
            if (!_cache.TryAllocate(out PacketHandle f) || !f.TryAppend(ihl + length, out Span<byte> fragment))
            {
                for (int i = 0; i < extra; i++)
                    _cache.Free(_fragments[i]);
                Drop(packet, slot, DataplaneDropReason.PoolExhausted);
                return;
            }
            ip[..ihl].CopyTo(fragment);
            ip.Slice(ihl + at, length).CopyTo(fragment[ihl..]);
            bool last = at + length == data;
            WriteFragmentHeader(fragment, ihl + length, offset + (at / 8), !last || lastMoreFragments);
            f.SessionIndex = slot;
            _fragments[extra++] = f;
        }
        WriteFragmentHeader(ip, ihl + chunk, offset, moreFragments: true);
        _ = packet.TryTrim(ip.Length - (ihl + chunk));
        StageOutside(packet, slot, ref state, flags);
        for (int i = 0; i < extra; i++)
            StageOutside(_fragments[i], slot, ref _slots[slot], flags);
    }

    /// <summary>Total length, MF and fragment offset of one fragment's header, and its checksum (RFC 791 §3.1).</summary>
    private static void WriteFragmentHeader(Span<byte> ip, int totalLength, int offset, bool moreFragments)
    {
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((moreFragments ? 0x2000 : 0) | offset));
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip[..Ipv4Header.MinHeaderLength]));
    }

    /// <summary>Most fragments one datagram becomes (a pool buffer of 2 KB at the smallest limit, ppp mtu 576 less MPPE, makes 4).</summary>
    public const int MaxFragments = 8;

    /// <summary>The largest datagram a PPP information field of <paramref name="mtu"/> octets carries on the session.</summary>
    /// <remarks>Under MPPE 4 octets less, whether or not PFC shortens the protocol field: pppd's and accel-ppp's MPPE_PAD,
    /// so the limit is the MTU the client's own interface has.</remarks>
    private static int TunnelDatagramLimit(ushort mtu, SlotFlags flags) =>
        (flags & SlotFlags.Mppe) == 0 ? mtu : mtu - MppePad;

    /// <summary>What MPPE adds inside the PPP information field: its 2-octet header and the 2-octet protocol field (RFC 3078 §3).</summary>
    public const int MppePad = MppeHeader.Length + 2;

    /// <summary>
    /// A DF datagram over the tunnel MTU: counted, and rewritten in place into the ICMP "fragmentation needed" that goes
    /// back through the inside port to its sender (<see cref="IcmpFragmentationNeeded"/>), at most
    /// <see cref="IcmpPerSecond"/> a second per worker (RFC 1812 §4.3.2.8); otherwise dropped.
    /// </summary>
    /// <remarks>
    /// The message's source is the unreachable destination, the client's tunnel address, not one of the gateway's own:
    /// on the kernel port the message enters the host through the TUN device, and Linux drops a packet arriving with a
    /// local source address (fib_validate_source, unless net.ipv4.conf.*.accept_local); the client's address is routed
    /// into the TUN, so reverse-path filtering accepts it. Path MTU Discovery reads only the quoted header and the MTU.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AnswerTooBig(PacketHandle packet, int slot, int limit)
    {
        Count(slot, DataplaneDropReason.TunnelMtuExceeded);
        Span<byte> ip = packet.Data;
        uint source = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        int length = 0;
        if (_icmpTokens.Available(_time.GetTimestamp(), IcmpPerSecond, IcmpBurst, _ticksPerSecond) > 0)
            length = IcmpFragmentationNeeded.TryRewrite(ip, (ushort)Math.Max(IcmpFragmentationNeeded.MinimumMtu, limit), source, _icmpIdentification++);
        if (length == 0)
        {
            _cache.Free(packet);
            return;
        }
        _icmpTokens.Spend(1);
        _ = packet.TryTrim(ip.Length - length);
        if (_insideTxCount == _insideTx.Length)
            FlushInside();
        _insideTx[_insideTxCount++] = packet;
        if (_insideTxCount >= PacketBurst.Size)
            FlushInside();
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
                || Ipv4HeaderWriter.TryWriteHeader(header,
                    _clientRole ? state.PeerAddress : _localAddress, _clientRole ? _localAddress : state.PeerAddress,
                    Ipv4Header.ProtocolGre, payloadLength, _ipIdentification++, timeToLive: 64) < 0)
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
                    DeliverUp(slot, packet);
                else
                    Drop(packet, slot, DataplaneDropReason.SessionClosed);
            }

            if (!live)
                CloseState(slot);

            work += delivered;
        }

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
                state.TcpMss = command.TcpMss;
                state.TunnelMtu = command.TunnelMtu;
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
            case WorkerCommandKind.NetworkDown:
                // Renegotiation (RFC 1661 §4.1): NetworkUp off drops data both ways (NetworkProtocolNotOpen), Mppe off
                // drops compressed datagrams (MppeNotNegotiated); EncryptionRequired stays, so nothing goes out clear.
                state.Flags &= ~(SlotFlags.NetworkUp | SlotFlags.Mppe);
                _senders[slot].Clear();
                _receivers[slot].Clear();
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
        // Our first Sequence Number: random (see DataplaneOptions.RandomInitialSequenceNumbers), once per session.
        uint initialSequence = 0;
        if (_randomInitialSequenceNumbers)
            RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(new Span<uint>(ref initialSequence)));
        _sequencer.Open(slot, config.PeerCallId, spec.OurReceiveWindow, spec.PeerReceiveWindow, initialSequence);
        _senders[slot].Clear();
        _receivers[slot].Clear();
        Array.Clear(_sessionDrops, slot * ReasonCount, ReasonCount);
        state = default;
        state.PeerAddress = config.PeerAddress;
        long now = _time.GetTimestamp();
        state.RekeyTokens.Reset(_rekeyBudget.PerSessionBurst, now);
        state.LastResetSignalTicks = now - _resetSignalIntervalTicks;
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
            transmit.PeerReceiveWindow, receive.Reordered, dropped, state.ControlIn);
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
        public ulong ControlIn;     // of PacketsIn, control frames handed up (counted off the data path)
        public ushort TcpMss;       // SYNs through the session are clamped to it (TcpMssClamp); 0: off
        public ushort TunnelMtu;    // the client's MRU (bounded by ppp mtu): larger DF datagrams get ICMP (RFC 1191); 0: off
        public RekeyTokenBucket RekeyTokens;  // this session's share of tentative rekeying (RekeyBudget)
        public long LastResetSignalTicks;     // stateful MPPE: when a Reset-Request was last asked for
        public uint BurstEpoch;               // receive stage in which BurstIndex is valid
        public int BurstIndex;                // its entry in _burstSessions during that stage
    }

    private enum RxKind : byte
    {
        Plain = 0,   // sequenced as it is (no MPPE on the session, or a PPP control frame)
        MppeBurst,   // decrypted by the MPPE burst; verified before sequencing
        MppeSingle,  // decrypted alone on a copy of the key state, committed if it verifies
        Dead,        // the session went away
        Done,        // already dropped in the classify step
    }

    /// <summary>A GRE data packet waiting in the receive stage, with what the GRE header said.</summary>
    private struct RxStaged
    {
        public PacketHandle Packet;
        public int Slot;
        public uint Generation;
        public uint Sequence;
        public uint Acknowledgment;
        public bool AcknowledgmentPresent;
        public RxKind Kind;
        public byte ProtocolLength;  // decrypted PPP protocol field (1 or 2), once verified
        public int MppeOffset;       // the PPP header's length: the MPPE header follows
        public int BurstIndex;       // its place in the MPPE burst (MppeBurst kind)
    }

    /// <summary>A session with packets in the current receive stage's MPPE burst.</summary>
    private struct BurstSession
    {
        public int Slot;
        public int Index;              // in _burstSessions and _snapshots
        public ushort CoherencyCount;  // the count the burst has reached for it
        public bool Slow;              // a packet was not the next count: the rest take the single path
        public bool HasSnapshot;       // _snapshots[Index] holds its receiver as it was before the burst
        public bool HasMark;           // stateful, no key change: _marks[Index] holds its counters (rollback by rewinding RC4)
        public bool Failed;            // a burst packet failed verification: roll back
        public bool SetAside;          // a packet needs a long coherency walk: after the other sessions (step 5)
    }
}
