using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// One packet of a burst: which session's state (an index into the state span) and where its MPPE part lies in
/// the burst's buffer. <see cref="Offset"/> points at the MPPE header (just after PPP protocol 0x00FD);
/// <see cref="Length"/> covers the header and the protected data (the layout of <see cref="MppeSender"/> and
/// <see cref="MppeReceiver"/>).
/// </summary>
public readonly record struct MppePacket(int Session, int Offset, int Length);

/// <summary>
/// One packet of a burst by address, for packets in separate buffers (the worker's pool buffers, each its own
/// stretch of native memory): <see cref="Data"/> points at the MPPE header, <see cref="Length"/> covers the header
/// and the protected data, as for <see cref="MppePacket"/>.
/// </summary>
public readonly unsafe struct MppePacketPointer(int session, byte* data, int length)
{
    /// <summary>Index of the packet's session in the state span.</summary>
    public int Session { get; } = session;

    /// <summary>Address of the MPPE header (memory that does not move during the call).</summary>
    public byte* Data { get; } = data;

    /// <summary>Header and protected data, in octets.</summary>
    public int Length { get; } = length;
}

/// <summary>
/// MPPE over a burst of up to <see cref="MaxPackets"/> packets (the worker's rx/tx burst), with the RC4 work of
/// independent streams interleaved two at a time.
/// </summary>
/// <remarks>
/// <para>Two steps. First, in packet order, each packet's ordered bookkeeping: header, coherency count, key
/// changes, drop decisions (<c>Prepare</c> on its session's state); a packet that needs a fresh key schedule gets a
/// snapshot of its key. Second, the RC4 work: every stateless packet owns a fresh cipher (a scratch state on the
/// stack), a stateful packet continues its session's cipher (re-keyed first if the packet is flushed). Packets are paired when their ciphers differ and each
/// is the next one due on its cipher (packets of one stateful session stay in order); a pair runs its key
/// schedules with <see cref="Rc4.SetKeyMppe2"/> and its keystreams with <see cref="Rc4.Transform2"/>, so the two
/// dependency chains overlap in the CPU. A packet with no partner runs alone.</para>
/// <para>The result per packet is exactly that of calling <see cref="MppeSender.Encrypt"/> /
/// <see cref="MppeReceiver.Decrypt"/> on the packets one after the other; the tests check this.</para>
/// <para>The packets lie in one span (<see cref="MppePacket"/>: offsets), pinned for the call, or anywhere in
/// memory that does not move (<see cref="MppePacketPointer"/>: addresses; the worker's pool buffers).
/// Nothing allocates; the scratch ciphers and key snapshots are zeroed before returning.</para>
/// </remarks>
public static unsafe class MppeBurst
{
    /// <summary>Largest burst accepted (the dataplane's burst size).</summary>
    public const int MaxPackets = 32;

    private struct Item
    {
        public int Session;
        public byte* Data;
        public int Length;
        public Rc4* Cipher;
        public int Previous; // the earlier item on the same cipher, or -1
        public bool Done;
        public MppeWork Work;
    }

    /// <summary>
    /// Encrypts each packet with <c>senders[packet.Session]</c>; <paramref name="results"/>[k] receives packet k's
    /// outcome. Returns the number encrypted.
    /// </summary>
    /// <exception cref="ArgumentException">More than <see cref="MaxPackets"/> packets, a results span shorter than
    /// the packets, or a packet whose session or range lies outside the spans (caller bugs, not peer input).</exception>
    [SkipLocalsInit]
    public static int Encrypt(Span<MppeSender> senders, Span<byte> buffer, ReadOnlySpan<MppePacket> packets, Span<MppeDropReason> results)
    {
        Validate(senders.Length, buffer.Length, packets, results.Length);
        MppePacketPointer* at = stackalloc MppePacketPointer[MaxPackets];
        fixed (byte* data = buffer)
        {
            ToPointers(data, packets, at);
            fixed (MppeSender* states = senders)
            fixed (MppeDropReason* r = results)
                return EncryptCore(states, at, packets.Length, r);
        }
    }

    /// <summary>
    /// As <see cref="Encrypt(Span{MppeSender}, Span{byte}, ReadOnlySpan{MppePacket}, Span{MppeDropReason})"/>, for
    /// packets that lie in separate buffers (the worker's packet pool, whose buffers are native memory). The caller
    /// guarantees each <see cref="MppePacketPointer.Data"/> stays valid and unmoved for the call.
    /// </summary>
    /// <exception cref="ArgumentException">More than <see cref="MaxPackets"/> packets, a results span shorter than
    /// the packets, a session outside the state span, or a null or negative-length packet (caller bugs).</exception>
    public static int Encrypt(Span<MppeSender> senders, ReadOnlySpan<MppePacketPointer> packets, Span<MppeDropReason> results)
    {
        Validate(senders.Length, packets, results.Length);
        fixed (MppeSender* states = senders)
        fixed (MppePacketPointer* at = packets)
        fixed (MppeDropReason* r = results)
            return EncryptCore(states, at, packets.Length, r);
    }

    /// <summary>
    /// Decrypts each packet with <c>receivers[packet.Session]</c>; <paramref name="results"/>[k] receives packet
    /// k's outcome (<see cref="MppeDropReason.StatefulPacketLoss"/>: send a CCP Reset-Request for that session).
    /// Returns the number decrypted. Never throws on peer input.
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="Encrypt(Span{MppeSender}, Span{byte}, ReadOnlySpan{MppePacket}, Span{MppeDropReason})"/>: caller bugs only.</exception>
    [SkipLocalsInit]
    public static int Decrypt(Span<MppeReceiver> receivers, Span<byte> buffer, ReadOnlySpan<MppePacket> packets, Span<MppeDropReason> results)
    {
        Validate(receivers.Length, buffer.Length, packets, results.Length);
        MppePacketPointer* at = stackalloc MppePacketPointer[MaxPackets];
        fixed (byte* data = buffer)
        {
            ToPointers(data, packets, at);
            fixed (MppeReceiver* states = receivers)
            fixed (MppeDropReason* r = results)
                return DecryptCore(states, at, packets.Length, r);
        }
    }

    /// <summary>
    /// As <see cref="Decrypt(Span{MppeReceiver}, Span{byte}, ReadOnlySpan{MppePacket}, Span{MppeDropReason})"/>, for
    /// packets in separate buffers (see <see cref="Encrypt(Span{MppeSender}, ReadOnlySpan{MppePacketPointer}, Span{MppeDropReason})"/>).
    /// Never throws on peer input.
    /// </summary>
    /// <exception cref="ArgumentException">Caller bugs only, as for the encrypt overload.</exception>
    public static int Decrypt(Span<MppeReceiver> receivers, ReadOnlySpan<MppePacketPointer> packets, Span<MppeDropReason> results)
    {
        Validate(receivers.Length, packets, results.Length);
        fixed (MppeReceiver* states = receivers)
        fixed (MppePacketPointer* at = packets)
        fixed (MppeDropReason* r = results)
            return DecryptCore(states, at, packets.Length, r);
    }

    [SkipLocalsInit]
    private static int EncryptCore(MppeSender* states, MppePacketPointer* packets, int packetCount, MppeDropReason* results)
    {
        Rc4* scratch = stackalloc Rc4[MaxPackets];
        Item* items = stackalloc Item[MaxPackets];
        int count = 0;
        int* pending = stackalloc int[MaxPackets];
        int pendingCount = 0;
        for (int k = 0; k < packetCount; k++)
        {
            MppePacketPointer packet = packets[k];
            // A deferred key change of this session must run before its next packet is prepared.
            if (IsPending(items, pending, pendingCount, packet.Session))
                CompleteKeyChanges(states, items, pending, ref pendingCount);
            Item* item = items + count;
            item->Work = default;
            MppeDropReason reason = states[packet.Session].Prepare(
                new Span<byte>(packet.Data, packet.Length), ref item->Work, allowDeferredKeyChange: true);
            results[k] = reason;
            if (reason != MppeDropReason.None)
                continue;
            item->Session = packet.Session;
            item->Data = packet.Data + MppeHeader.Length;
            item->Length = packet.Length - MppeHeader.Length;
            item->Cipher = item->Work.UsesSessionCipher ? &states[packet.Session].Cipher : scratch + count;
            if (item->Work.KeyChangeDeferred)
                pending[pendingCount++] = count;
            count++;
        }
        CompleteKeyChanges(states, items, pending, ref pendingCount);
        Run(items, count);
        Wipe(scratch, items, count);
        return count;
    }

    [SkipLocalsInit]
    private static int DecryptCore(MppeReceiver* states, MppePacketPointer* packets, int packetCount, MppeDropReason* results)
    {
        Rc4* scratch = stackalloc Rc4[MaxPackets];
        Item* items = stackalloc Item[MaxPackets];
        int count = 0;
        int* pending = stackalloc int[MaxPackets];
        int pendingCount = 0;
        for (int k = 0; k < packetCount; k++)
        {
            MppePacketPointer packet = packets[k];
            // A deferred key change of this session must run before its next packet is prepared.
            if (IsPending(items, pending, pendingCount, packet.Session))
                CompleteKeyChanges(states, items, pending, ref pendingCount);
            Item* item = items + count;
            item->Work = default;
            MppeDropReason reason = states[packet.Session].Prepare(
                new ReadOnlySpan<byte>(packet.Data, packet.Length), ref item->Work, allowDeferredKeyChange: true);
            results[k] = reason;
            if (reason != MppeDropReason.None)
                continue;
            item->Session = packet.Session;
            item->Data = packet.Data + MppeHeader.Length;
            item->Length = packet.Length - MppeHeader.Length;
            item->Cipher = item->Work.UsesSessionCipher ? &states[packet.Session].Cipher : scratch + count;
            if (item->Work.KeyChangeDeferred)
                pending[pendingCount++] = count;
            count++;
        }
        CompleteKeyChanges(states, items, pending, ref pendingCount);
        Run(items, count);
        Wipe(scratch, items, count);
        return count;
    }

    private static void ToPointers(byte* data, ReadOnlySpan<MppePacket> packets, MppePacketPointer* at)
    {
        for (int k = 0; k < packets.Length; k++)
            at[k] = new MppePacketPointer(packets[k].Session, data + packets[k].Offset, packets[k].Length);
    }

    private static void Validate(int states, int bufferLength, ReadOnlySpan<MppePacket> packets, int resultsLength)
    {
        if (packets.Length > MaxPackets)
            throw new ArgumentException($"At most {MaxPackets} packets per burst.", nameof(packets));
        if (resultsLength < packets.Length)
            throw new ArgumentException("One result per packet is needed.", nameof(packets));
        foreach (MppePacket packet in packets)
        {
            if ((uint)packet.Session >= (uint)states)
                throw new ArgumentException($"Session {packet.Session} is outside the state span.", nameof(packets));
            if (packet.Offset < 0 || packet.Length < 0 || packet.Offset > bufferLength - packet.Length)
                throw new ArgumentException($"Packet range {packet.Offset}+{packet.Length} is outside the buffer.", nameof(packets));
        }
    }

    private static void Validate(int states, ReadOnlySpan<MppePacketPointer> packets, int resultsLength)
    {
        if (packets.Length > MaxPackets)
            throw new ArgumentException($"At most {MaxPackets} packets per burst.", nameof(packets));
        if (resultsLength < packets.Length)
            throw new ArgumentException("One result per packet is needed.", nameof(packets));
        foreach (MppePacketPointer packet in packets)
        {
            if ((uint)packet.Session >= (uint)states)
                throw new ArgumentException($"Session {packet.Session} is outside the state span.", nameof(packets));
            if (packet.Length < 0 || (packet.Data == null && packet.Length != 0))
                throw new ArgumentException("A packet has a null address or a negative length.", nameof(packets));
        }
    }

    private static bool IsPending(Item* items, int* pending, int pendingCount, int session)
    {
        for (int n = 0; n < pendingCount; n++)
        {
            if (items[pending[n]].Session == session)
                return true;
        }
        return false;
    }

    // The deferred stateless key changes (one per session at most, so all independent), two at a time.
    private static void CompleteKeyChanges(MppeSender* states, Item* items, int* pending, ref int pendingCount)
    {
        for (int n = 0; n < pendingCount; n += 2)
        {
            Item* a = items + pending[n];
            Item* b = n + 1 < pendingCount ? items + pending[n + 1] : null;
            MppeSender.CompleteKeyChanges(states + a->Session, &a->Work, b == null ? null : states + b->Session, b == null ? null : &b->Work);
        }
        pendingCount = 0;
    }

    private static void CompleteKeyChanges(MppeReceiver* states, Item* items, int* pending, ref int pendingCount)
    {
        for (int n = 0; n < pendingCount; n += 2)
        {
            Item* a = items + pending[n];
            Item* b = n + 1 < pendingCount ? items + pending[n + 1] : null;
            MppeReceiver.CompleteKeyChanges(states + a->Session, &a->Work, b == null ? null : states + b->Session, b == null ? null : &b->Work);
        }
        pendingCount = 0;
    }

    /// <summary>The RC4 step: pairs of independent streams, each packet after the earlier ones on its cipher.</summary>
    private static void Run(Item* items, int count)
    {
        for (int k = 0; k < count; k++)
        {
            items[k].Done = false;
            items[k].Previous = -1;
            for (int m = k - 1; m >= 0; m--)
            {
                if (items[m].Cipher == items[k].Cipher)
                {
                    items[k].Previous = m;
                    break;
                }
            }
        }

        int first = 0;
        for (int remaining = count; remaining > 0;)
        {
            while (items[first].Done)
                first++;
            // Everything before 'first' is done, so 'first' is due on its cipher. Find a partner that is due too.
            Item* a = items + first;
            Item* b = null;
            for (int k = first + 1; k < count; k++)
            {
                Item* candidate = items + k;
                if (!candidate->Done && candidate->Cipher != a->Cipher
                    && (candidate->Previous < 0 || items[candidate->Previous].Done))
                {
                    b = candidate;
                    break;
                }
            }

            if (b == null)
            {
                if (a->Work.KeyLength != 0)
                    Rc4.SetKeyMppe(a->Cipher, a->Work.Key, a->Work.KeyLength);
                Rc4.Transform1(a->Cipher, a->Data, a->Length);
                a->Done = true;
                remaining--;
                continue;
            }

            if (a->Work.KeyLength != 0 && b->Work.KeyLength != 0)
            {
                Rc4.SetKeyMppe2(a->Cipher, a->Work.Key, a->Work.KeyLength, b->Cipher, b->Work.Key, b->Work.KeyLength);
            }
            else
            {
                if (a->Work.KeyLength != 0)
                    Rc4.SetKeyMppe(a->Cipher, a->Work.Key, a->Work.KeyLength);
                if (b->Work.KeyLength != 0)
                    Rc4.SetKeyMppe(b->Cipher, b->Work.Key, b->Work.KeyLength);
            }
            Rc4.Transform2(a->Cipher, a->Data, a->Length, b->Cipher, b->Data, b->Length);
            a->Done = true;
            b->Done = true;
            remaining -= 2;
        }
    }

    private static void Wipe(Rc4* scratch, Item* items, int count)
    {
        // Key material: the per-packet ciphers and the key snapshots. Only the scratch ciphers in use are wiped
        // (a stateful packet runs on its session's cipher: zeroing all of them, 264 octets per packet, was ~2 % of
        // a 64-octet stateful burst in a profile).
        for (int k = 0; k < count; k++)
        {
            if (items[k].Cipher == scratch + k)
                Unsafe.InitBlockUnaligned(scratch + k, 0, (uint)sizeof(Rc4));
        }
        Unsafe.InitBlockUnaligned(items, 0, (uint)(count * sizeof(Item)));
    }
}
