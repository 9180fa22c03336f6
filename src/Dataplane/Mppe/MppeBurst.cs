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
/// independent streams interleaved: four key schedules at a time for stateless packets, two keystreams at a time.
/// </summary>
/// <remarks>
/// <para>Two steps. First, in packet order, each packet's ordered bookkeeping: header, coherency count, key
/// changes, drop decisions (<c>Prepare</c> on its session's state); a packet that needs a fresh key schedule gets a
/// snapshot of its key. The stateless key changes (one SHA-1 and one interim key schedule each) are deferred and run
/// 16 (AVX-512) or 8 sessions at a time (<see cref="MppeRekey.ChangeKeys"/>: one multi-buffer SHA-1, four-way schedules). Second, the RC4 work: every stateless packet owns a
/// fresh cipher, keyed four at a time on contiguous scratch states (<see cref="Rc4.SetKeyMppe4"/>) and run in pairs
/// (<see cref="Rc4.Transform2"/>); a stateful packet continues its session's cipher (re-keyed first if the packet is
/// flushed). Stateful packets are paired when their ciphers differ and each is the next one due on its cipher (packets
/// of one stateful session stay in order); a pair runs its keystreams with <see cref="Rc4.Transform2"/>, so the two
/// dependency chains overlap in the CPU. A packet with no partner runs alone.</para>
/// <para>The result per packet is exactly that of calling <see cref="MppeSender.Encrypt"/> /
/// <see cref="MppeReceiver.Decrypt"/> on the packets one after the other; the tests check this.</para>
/// <para>The packets lie in one span (<see cref="MppePacket"/>: offsets), pinned for the call, or anywhere in
/// memory that does not move (<see cref="MppePacketPointer"/>: addresses; the worker's pool buffers).
/// Nothing allocates; the four scratch states (every stateless cipher and interim schedule of the burst ran on them)
/// and the key snapshots are zeroed once before returning.</para>
/// </remarks>
public static unsafe class MppeBurst
{
    /// <summary>Largest burst accepted (the dataplane's burst size).</summary>
    public const int MaxPackets = 32;

    // Contiguous scratch states: four stateless packets' ciphers at a time, and the key changes' interim schedules.
    private const int ScratchStates = 4;

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
        Rc4* scratch = stackalloc Rc4[ScratchStates];
        Item* items = stackalloc Item[MaxPackets];
        int count = 0;
        int* pending = stackalloc int[MaxPackets];
        int pendingCount = 0;
        for (int k = 0; k < packetCount; k++)
        {
            MppePacketPointer packet = packets[k];
            // A deferred key change of this session must run before its next packet is prepared.
            if (IsPending(items, pending, pendingCount, packet.Session))
                CompleteKeyChanges(states, items, pending, ref pendingCount, scratch);
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
            item->Cipher = item->Work.UsesSessionCipher ? &states[packet.Session].Cipher : null; // stateless: a scratch state in Run
            if (item->Work.KeyChangeDeferred)
                pending[pendingCount++] = count;
            count++;
        }
        CompleteKeyChanges(states, items, pending, ref pendingCount, scratch);
        bool scratchUsed = Run(items, count, scratch);
        Wipe(scratch, scratchUsed, items, count);
        return count;
    }

    [SkipLocalsInit]
    private static int DecryptCore(MppeReceiver* states, MppePacketPointer* packets, int packetCount, MppeDropReason* results)
    {
        Rc4* scratch = stackalloc Rc4[ScratchStates];
        Item* items = stackalloc Item[MaxPackets];
        int count = 0;
        int* pending = stackalloc int[MaxPackets];
        int pendingCount = 0;
        for (int k = 0; k < packetCount; k++)
        {
            MppePacketPointer packet = packets[k];
            // A deferred key change of this session must run before its next packet is prepared.
            if (IsPending(items, pending, pendingCount, packet.Session))
                CompleteKeyChanges(states, items, pending, ref pendingCount, scratch);
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
            item->Cipher = item->Work.UsesSessionCipher ? &states[packet.Session].Cipher : null; // stateless: a scratch state in Run
            if (item->Work.KeyChangeDeferred)
                pending[pendingCount++] = count;
            count++;
        }
        CompleteKeyChanges(states, items, pending, ref pendingCount, scratch);
        bool scratchUsed = Run(items, count, scratch);
        Wipe(scratch, scratchUsed, items, count);
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

    // The deferred stateless key changes (one per session at most, so all independent): 16 or 8 at a time (one
    // multi-buffer SHA-1), then four, then two, then one. The scratch states are left keyed with interim keys: wiped
    // once per burst (Wipe).
    [SkipLocalsInit]
    private static void CompleteKeyChanges<T>(T* states, Item* items, int* pending, ref int pendingCount, Rc4* scratch)
        where T : unmanaged, IMppeKeyChanger<T>
    {
        byte** startKeys = stackalloc byte*[16];
        byte** sessionKeys = stackalloc byte*[16];
        int* keyLengths = stackalloc int[16];
        MppeKeyStrength* strengths = stackalloc MppeKeyStrength[16];
        int lanes = MppeSha1x8.IsAccelerated ? MppeSha1x8.Lanes : 4;
        for (int n = 0; n < pendingCount;)
        {
            int left = pendingCount - n;
            // As many multi-buffer lanes as are filled (16 or 8), whole four-way groups only; then 4, 2, 1.
            int group = left >= lanes ? lanes : left >= 8 && lanes > 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            for (int c = 0; c < group; c++)
            {
                MppeKeyRef key = T.Key(states + items[pending[n + c]].Session);
                startKeys[c] = key.StartKey;
                sessionKeys[c] = key.SessionKey;
                keyLengths[c] = key.KeyLength;
                strengths[c] = key.Strength;
            }
            if (group >= 8)
                MppeRekey.ChangeKeys(group, startKeys, sessionKeys, keyLengths, strengths, scratch);
            else if (group == 4)
                MppeRekey.ChangeKey4(startKeys, sessionKeys, keyLengths, strengths, scratch);
            else if (group == 2)
                MppeRekey.ChangeKey2(startKeys[0], sessionKeys[0], keyLengths[0], strengths[0], startKeys[1], sessionKeys[1], keyLengths[1], strengths[1]);
            else
                MppeRekey.ChangeKey(startKeys[0], sessionKeys[0], keyLengths[0], strengths[0]);
            for (int c = 0; c < group; c++)
            {
                Item* item = items + pending[n + c];
                T.Finish(states + item->Session, &item->Work);
            }
            n += group;
        }
        pendingCount = 0;
    }

    /// <summary>
    /// The RC4 step. Stateless packets first: each has its own fresh cipher and no order with anything, so they run four
    /// at a time on the scratch states (<see cref="Rc4.SetKeyMppe4"/>, then two <see cref="Rc4.Transform2"/>), the rest
    /// in a pair or alone. Then the stateful ones: pairs of independent streams, each packet after the earlier ones on
    /// its session's cipher. Returns whether a scratch state was used.
    /// </summary>
    private static bool Run(Item* items, int count, Rc4* scratch)
    {
        int* free = stackalloc int[MaxPackets];
        int freeCount = 0;
        for (int k = 0; k < count; k++)
        {
            items[k].Previous = -1;
            items[k].Done = items[k].Cipher == null;
            if (items[k].Done)
            {
                free[freeCount++] = k;
                continue;
            }
            for (int m = k - 1; m >= 0; m--)
            {
                if (items[m].Cipher == items[k].Cipher)
                {
                    items[k].Previous = m;
                    break;
                }
            }
        }

        if (freeCount != 0)
            RunStateless(items, free, freeCount, scratch);

        int first = 0;
        for (int remaining = count - freeCount; remaining > 0;)
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
        return freeCount != 0;
    }

    /// <summary>The stateless packets <paramref name="free"/> (each keyed afresh with its key snapshot), four at a time.</summary>
    private static void RunStateless(Item* items, int* free, int freeCount, Rc4* scratch)
    {
        int n = 0;
        if (freeCount >= 4)
        {
            byte* keys = stackalloc byte[4 * MppeKeySchedule.LongKeyLength];
            for (; n + 4 <= freeCount; n += 4)
            {
                for (int c = 0; c < 4; c++)
                {
                    Item* item = items + free[n + c];
                    byte* key = keys + c * MppeKeySchedule.LongKeyLength;
                    Unsafe.CopyBlockUnaligned(key, item->Work.Key, (uint)item->Work.KeyLength);
                    if (item->Work.KeyLength == MppeKeySchedule.ShortKeyLength)
                        Unsafe.CopyBlockUnaligned(key + MppeKeySchedule.ShortKeyLength, key, MppeKeySchedule.ShortKeyLength);
                }
                Rc4.SetKeyMppe4(scratch, keys);
                Item* a = items + free[n], b = items + free[n + 1], c2 = items + free[n + 2], d = items + free[n + 3];
                Rc4.Transform2(scratch, a->Data, a->Length, scratch + 1, b->Data, b->Length);
                Rc4.Transform2(scratch + 2, c2->Data, c2->Length, scratch + 3, d->Data, d->Length);
            }
            Unsafe.InitBlockUnaligned(keys, 0, 4 * MppeKeySchedule.LongKeyLength);
        }
        if (n + 2 <= freeCount)
        {
            Item* a = items + free[n], b = items + free[n + 1];
            Rc4.SetKeyMppe2(scratch, a->Work.Key, a->Work.KeyLength, scratch + 1, b->Work.Key, b->Work.KeyLength);
            Rc4.Transform2(scratch, a->Data, a->Length, scratch + 1, b->Data, b->Length);
            n += 2;
        }
        if (n < freeCount)
        {
            Item* a = items + free[n];
            Rc4.SetKeyMppe(scratch, a->Work.Key, a->Work.KeyLength);
            Rc4.Transform1(scratch, a->Data, a->Length);
        }
    }

    private static void Wipe(Rc4* scratch, bool scratchUsed, Item* items, int count)
    {
        // Key material: the scratch states (every stateless packet's cipher and every key change's interim schedule
        // ran on these four, so they are wiped once per burst: 4 KB, not 2 KB per stateless packet) and the key snapshots.
        if (scratchUsed)
            Unsafe.InitBlockUnaligned(scratch, 0, (uint)(ScratchStates * sizeof(Rc4)));
        Unsafe.InitBlockUnaligned(items, 0, (uint)(count * sizeof(Item)));
    }
}
