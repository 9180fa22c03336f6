using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// One session's receive direction of MPPE (RFC 3078): start key, session key, RC4 state, coherency count, mode,
/// resync state, a small cache of recent stateless keys, and per-reason drop counters. A plain value meant to live
/// in a per-worker array indexed by session (<c>MppeReceiver[]</c>) and be used through <c>ref</c>; nothing
/// allocates per packet.
/// </summary>
/// <remarks>
/// <para><b>Buffer layout contract.</b> <see cref="Decrypt"/> takes the span that starts at the MPPE header, i.e.
/// just after the PPP protocol field 0x00FD (RFC 3078 §3): <c>packet[0..2]</c> is the header (read, left as is),
/// <c>packet[2..]</c> the encrypted PPP protocol field + information, decrypted in place. The PPP layer then
/// parses <c>packet[2..]</c> as a PPP protocol field (1 or 2 octets, per PFC) and information.</para>
/// <para><b>Stateless mode</b> (RFC 3078 §7.1, §7.3). The key for coherency count c is the start of the chain
/// changed (c − last) more times; the receiver walks the chain forward. Two bounds:</para>
/// <list type="bullet">
/// <item><b>Work per packet.</b> MPPE has no integrity check, so a forged or corrupted header is indistinguishable
/// from a real one, and each key change costs a SHA-1 and two RC4 key schedules (~1-2 µs). Linux walks up to
/// 2048 changes for one packet (milliseconds of CPU per forged packet, with 100k sessions on few cores). Here one
/// packet causes at most <see cref="MaxKeyChangesPerPacket"/> (256) changes: up to 256 ahead decrypts at once
/// (256 lost packets in a row is already a long outage); further ahead (up to half the 4096 space), the packet is
/// dropped (<see cref="MppeDropReason.CoherencyJumpTooLarge"/>) after advancing a separate catch-up cursor by
/// 256 changes, and later packets continue the cursor until it reaches their count, at which point that packet is
/// decrypted and becomes the new position. A real jump of 2000 therefore resynchronises after ~8 packets, while a
/// forged jump costs no more than a legitimate one and does not move the committed position until the chain is
/// actually walked (an on-path attacker able to inject packets can always disrupt MPPE, which is unauthenticated;
/// the point is bounded CPU, not integrity).</item>
/// <item><b>Late packets.</b> GRE reordering (RFC 2637 §4.4) fixes most misordering, but a packet that arrives just
/// after its successor would otherwise be lost: its key is behind the chain and the chain only goes forward. The
/// last <see cref="LateKeyCacheSize"/> (16) keys are kept, indexed by coherency count modulo 16 with the full
/// count as tag, so a packet up to 15 behind still decrypts (256 octets per session). Older ones are
/// <see cref="MppeDropReason.TooLate"/>; so is any count more than half the space (2048) ahead, as in Linux.</item>
/// </list>
/// <para><b>Stateful mode</b> (RFC 3078 §7.2, §8.2). One RC4 stream across packets. The sender changes the key, re-keys
/// RC4 with it and sets the flushed bit (A) before each flag packet (coherency count low octet 0xFF) and before the
/// packet answering a CCP Reset-Request; so here every flushed packet changes the key before it is decrypted. RFC
/// 3078's text is ambiguous about what a flushed packet does to the key (FreeBSD's ng_mppc only restarts RC4 with the
/// current key); we follow Linux's ppp_mppe (<c>mppe_decompress</c>), because a Linux pppd is the peer we are
/// deployed against, and <see cref="MppeSender"/> does the same on the send side. A gap means lost keystream: the
/// packet is dropped with <see cref="MppeDropReason.StatefulPacketLoss"/>, which tells the worker to have the control
/// plane send a CCP Reset-Request (RFC 1962 §2.1); the receiver then drops packets
/// (<see cref="MppeDropReason.StatefulResyncPending"/>) until one carries A, changes the key once for each flag
/// packet it missed (at most 8 for a jump under half the space, so this path is cheap by construction) and once for
/// the flushed packet itself, re-keys RC4 and decrypts it. The first packet (count 0) uses the initial session key
/// unchanged, as Linux sends it. Two deliberate differences from Linux, neither of which changes a key: a flushed
/// packet that arrives right after a gap, without a prior loss signal, resynchronises at once (Linux first drops it
/// and asks for a Reset-Request); and a late or duplicate packet (count at or before the last, within half the
/// space) is dropped as <see cref="MppeDropReason.TooLate"/> without disturbing the stream (Linux enters its discard
/// state). A CCP Reset-Ack needs no action here: the flushed bit is what synchronises MPPE.</para>
/// <para>Leniency: the flushed bit is not required on stateless packets or on stateful flag packets (senders set it,
/// RFC 3078 §3, and Linux refuses packets without it, but the key follows from the coherency count alone), so a peer
/// that omits it still decrypts.</para>
/// <para><b>Verify before commit</b> (issue 9). <see cref="Decrypt"/> (and the burst) commit whatever the header says,
/// which suits a packet known to be the next one. The gateway's worker uses them only for the next coherency count and
/// checks the plaintext afterwards (rolling back to a snapshot when it fails); every other packet goes through
/// <see cref="TryDecryptVerified"/>, which works on a copy of the key state (any stateless jump up to
/// <see cref="MaxTentativeKeyChanges"/>, within the caller's rekey budget) and commits only a plaintext that
/// <see cref="MppePlaintext.IsWellFormed"/> accepts, so a forged count changes nothing.</para>
/// <para>Not thread-safe: one worker owns a session's state, as with every per-packet state in the dataplane.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MppeReceiver : IMppeKeyChanger<MppeReceiver>
{
    /// <summary>At most this many key changes for one received packet (see the remarks).</summary>
    public const int MaxKeyChangesPerPacket = 256;

    /// <summary>Stateless keys kept for packets that arrive late (see the remarks).</summary>
    public const int LateKeyCacheSize = 16;

    private const int HalfSpace = 2048;
    private const ushort NoTag = 0xFFFF;
    private const int KeySize = MppeKeySchedule.LongKeyLength;

    private fixed byte _startKey[KeySize];
    private fixed byte _sessionKey[KeySize];
    private fixed byte _cursorKey[KeySize];
    private fixed byte _cacheKeys[LateKeyCacheSize * KeySize];
    private fixed ushort _cacheTags[LateKeyCacheSize];
    private fixed ulong _drops[MppeCounters.ReasonCount];
    internal Rc4 Cipher;
    private ulong _packets;
    private ulong _keyChanges;
    private ulong _resyncs;
    private ulong _lateDecrypted;
    private ushort _ccount;
    private ushort _cursorCcount;
    private bool _cursorActive;
    private bool _resyncPending;
    private byte _keyLength;
    private bool _stateless;
    private MppeKeyStrength _strength;

    /// <summary>
    /// Sets up the direction from its start key (RFC 3079: e.g. the server's MasterReceiveKey, or MS-MPPE-Recv-Key
    /// from RADIUS): initial session key, RC4 keyed with it (stateful), expecting coherency count 0 first. Counters
    /// restart. Not for the hot path.
    /// </summary>
    public void Initialize(ReadOnlySpan<byte> startKey, MppeKeyStrength strength, bool stateless)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        ArgumentOutOfRangeException.ThrowIfLessThan(startKey.Length, length, nameof(startKey));
        this = default;
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        {
            startKey[..length].CopyTo(new Span<byte>(start, length));
            MppeKeySchedule.DeriveInitialSessionKey(new ReadOnlySpan<byte>(start, length), strength, new Span<byte>(session, length));
            fixed (Rc4* cipher = &Cipher)
                Rc4.SetKeyMppe(cipher, session, length);
        }
        fixed (ushort* tags = _cacheTags)
            new Span<ushort>(tags, LateKeyCacheSize).Fill(NoTag);
        _keyLength = (byte)length;
        _strength = strength;
        _stateless = stateless;
        _ccount = MppeHeader.CoherencyCountMask; // the first packet expected is ccount 0
    }

    /// <summary>Forgets the keys (zeroes the whole state, key material included); the session is being removed.</summary>
    public void Clear() => this = default;

    public readonly bool IsInitialized => _keyLength != 0;
    public readonly MppeKeyStrength KeyStrength => _strength;
    public readonly bool IsStateless => _stateless;
    /// <summary>The coherency count of the newest packet accepted (4095 before the first).</summary>
    public readonly ushort CoherencyCount => _ccount;
    /// <summary>Stateful: a loss was detected and packets are dropped until one carries the flushed bit.</summary>
    public readonly bool IsResyncPending => _resyncPending;
    /// <summary>Packets decrypted.</summary>
    public readonly ulong PacketsDecrypted => _packets;
    /// <summary>Stateless packets decrypted with a cached key because they arrived late.</summary>
    public readonly ulong LatePacketsDecrypted => _lateDecrypted;
    /// <summary>Key changes (RFC 3078 §7.3) performed, catch-up included.</summary>
    public readonly ulong KeyChanges => _keyChanges;
    /// <summary>Stateful: times the stream was resynchronised by a flushed packet after a gap.</summary>
    public readonly ulong Resyncs => _resyncs;
    /// <summary>Stateful: losses that asked for a CCP Reset-Request (the count of <see cref="MppeDropReason.StatefulPacketLoss"/>).</summary>
    public readonly ulong ResetRequestsSignalled => GetDropCount(MppeDropReason.StatefulPacketLoss);

    /// <summary>Packets refused for <paramref name="reason"/>.</summary>
    public readonly ulong GetDropCount(MppeDropReason reason) => MppeCounters.Get(in _drops[0], reason);

    /// <summary>
    /// Decrypts one packet in place (layout in the type's remarks): checks the header at <c>packet[0..2]</c> and
    /// decrypts <c>packet[2..]</c>. Returns <see cref="MppeDropReason.None"/>, or why the packet must be dropped
    /// (its bytes are then unchanged). <see cref="MppeDropReason.StatefulPacketLoss"/> additionally means: send a
    /// CCP Reset-Request. Never throws on peer input.
    /// </summary>
    public MppeDropReason Decrypt(Span<byte> packet)
    {
        MppeWork work = default;
        MppeDropReason reason = Prepare(packet, ref work, allowDeferredKeyChange: false);
        if (reason != MppeDropReason.None)
            return reason;
        fixed (Rc4* cipher = &Cipher)
        fixed (byte* data = packet)
        {
            // Stateless packets key Cipher afresh (it is scratch in that mode); stateful ones continue or restart it.
            if (work.KeyLength != 0)
                Rc4.SetKeyMppe(cipher, work.Key, work.KeyLength);
            Rc4.Transform1(cipher, data + MppeHeader.Length, packet.Length - MppeHeader.Length);
        }
        work.Clear();
        return MppeDropReason.None;
    }

    /// <summary>
    /// Most key changes <see cref="TryDecryptVerified"/> walks for one packet: any count ahead of the newest except
    /// the last <see cref="LateKeyCacheSize"/> of the 4096 space, which are taken as late (4079).
    /// </summary>
    public const int MaxTentativeKeyChanges = MppeHeader.CoherencyCountMask - LateKeyCacheSize;

    /// <summary>
    /// Decrypts one packet (layout in the type's remarks) <b>tentatively</b>: the key for its coherency count is
    /// computed on a copy of the key state (stateless: the chain walked forward up to
    /// <see cref="MaxTentativeKeyChanges"/>; stateful: a copy of the RC4 stream, re-keyed for a flushed or flag
    /// packet), the packet is decrypted in place, and the plaintext is checked with
    /// <see cref="MppePlaintext.IsWellFormed"/>. Only a packet that passes changes the state (key, coherency count,
    /// RC4 stream, late-key cache); any other outcome leaves it exactly as it was (drop counters aside), so a
    /// forged coherency count cannot walk the receiver away from the real stream.
    /// </summary>
    /// <param name="packet">MPPE header and encrypted data; decrypted in place (garbage when verification fails,
    /// unchanged on the other refusals).</param>
    /// <param name="maxKeyChanges">Most key changes the caller allows for this packet (its rekey budget); a packet
    /// needing more is refused with <see cref="MppeDropReason.RekeyBudgetExhausted"/> before any work.</param>
    /// <param name="keyChanges">Key changes computed (spent even when verification fails).</param>
    /// <param name="advanced">True when the packet moved the coherency count forward (fresh keystream): the only
    /// kind of packet that may also move the GRE receive window beyond its bounds. False for a late packet
    /// decrypted with a cached key or a repeat of the newest count (which a replay can produce).</param>
    /// <param name="protocolLength">Length of the decrypted PPP protocol field (1 or 2), when verified.</param>
    /// <remarks>
    /// Stateful mode (RFC 3078 §8.2): a packet after a gap that is not flushed cannot be decrypted (its keystream
    /// position is unknown); it is refused with <see cref="MppeDropReason.StatefulPacketLoss"/> (the caller asks
    /// for a CCP Reset-Request) and, unlike <see cref="Decrypt"/>, does not put the receiver into a resync state:
    /// that unauthenticated packet may be forged. The flushed packet that answers the Reset-Request is decrypted
    /// after the key changes it implies (as in <see cref="Decrypt"/>) and, once verified, resynchronises.
    /// </remarks>
    public MppeDropReason TryDecryptVerified(Span<byte> packet, int maxKeyChanges, out int keyChanges,
        out bool advanced, out int protocolLength)
    {
        keyChanges = 0;
        advanced = false;
        protocolLength = 0;
        if (_keyLength == 0)
            return Drop(MppeDropReason.NotInitialized);
        if (MppeHeader.TryRead(packet, out MppeHeader header) != MppeHeaderError.None || packet.Length <= MppeHeader.Length)
            return Drop(MppeDropReason.TooShort);
        if (!header.IsEncrypted)
            return Drop(MppeDropReason.NotEncrypted);
        if ((header.Flags & (MppeHeaderFlags.Compressed | MppeHeaderFlags.PacketAtFront)) != 0)
            return Drop(MppeDropReason.UnexpectedCompression);
        MppeDropReason reason = _stateless
            ? TentativeStateless(packet, header.CoherencyCount, maxKeyChanges, ref keyChanges, ref advanced, ref protocolLength)
            : TentativeStateful(packet, header.CoherencyCount, header.IsFlushed, maxKeyChanges, ref keyChanges, ref advanced, ref protocolLength);
        if (reason != MppeDropReason.None)
            return Drop(reason);
        _packets++;
        return MppeDropReason.None;
    }

    private MppeDropReason TentativeStateless(Span<byte> packet, ushort ccount, int maxKeyChanges,
        ref int keyChanges, ref bool advanced, ref int protocolLength)
    {
        int keyLength = _keyLength;
        int ahead = (ccount - _ccount) & MppeHeader.CoherencyCountMask;
        byte* key = stackalloc byte[KeySize];
        // The keys of the last (up to 16) counts walked: cached on commit, so packets the jump passed over still
        // decrypt when they arrive late (reordering after a loss).
        byte* recent = stackalloc byte[LateKeyCacheSize * KeySize];
        bool late = false;
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        {
            if (ahead == 0)
            {
                Unsafe.CopyBlockUnaligned(key, session, KeySize);
            }
            else if (ahead > MaxTentativeKeyChanges)
            {
                int slot = ccount % LateKeyCacheSize;
                if (_cacheTags[slot] != ccount)
                    return MppeDropReason.TooLate;
                fixed (byte* cached = _cacheKeys)
                    Unsafe.CopyBlockUnaligned(key, cached + slot * KeySize, KeySize);
                late = true;
            }
            else
            {
                if (ahead > maxKeyChanges)
                    return MppeDropReason.RekeyBudgetExhausted;
                // RFC 3078 §7.1/§7.3: one key change per coherency count, on a copy of the session key.
                Unsafe.CopyBlockUnaligned(key, session, KeySize);
                for (int n = 1; n <= ahead; n++)
                {
                    MppeRekey.ChangeKey(start, key, keyLength, _strength);
                    if (ahead - n < LateKeyCacheSize)
                        Unsafe.CopyBlockUnaligned(recent + ((_ccount + n) % LateKeyCacheSize) * KeySize, key, KeySize);
                }
                keyChanges = ahead;
                _keyChanges += (ulong)ahead;
            }
        }

        Rc4 cipher;
        fixed (byte* data = packet)
        {
            Rc4.SetKeyMppe(&cipher, key, keyLength);
            Rc4.Transform1(&cipher, data + MppeHeader.Length, packet.Length - MppeHeader.Length);
        }
        Unsafe.InitBlockUnaligned(&cipher, 0, (uint)sizeof(Rc4));
        if (!MppePlaintext.IsWellFormed(packet[MppeHeader.Length..], out protocolLength))
        {
            Unsafe.InitBlockUnaligned(key, 0, KeySize);
            Unsafe.InitBlockUnaligned(recent, 0, LateKeyCacheSize * KeySize);
            return MppeDropReason.VerificationFailed;
        }

        // Verified: commit.
        if (ahead != 0 && !late)
        {
            int first = Math.Max(1, ahead - LateKeyCacheSize + 1);
            for (int n = first; n <= ahead; n++)
            {
                ushort c = (ushort)((_ccount + n) & MppeHeader.CoherencyCountMask);
                StoreInCache(c, recent + (c % LateKeyCacheSize) * KeySize);
            }
            fixed (byte* session = _sessionKey)
                Unsafe.CopyBlockUnaligned(session, key, KeySize);
            _ccount = ccount;
            _cursorActive = false;
            advanced = true;
        }
        else if (late)
        {
            _lateDecrypted++;
        }
        Unsafe.InitBlockUnaligned(key, 0, KeySize);
        Unsafe.InitBlockUnaligned(recent, 0, LateKeyCacheSize * KeySize);
        return MppeDropReason.None;
    }

    private MppeDropReason TentativeStateful(Span<byte> packet, ushort ccount, bool flushed, int maxKeyChanges,
        ref int keyChanges, ref bool advanced, ref int protocolLength)
    {
        int ahead = (ccount - _ccount) & MppeHeader.CoherencyCountMask;
        // The newest count again, or one of the 16 before it: a late or repeated packet, its keystream is behind us.
        if (ahead == 0 || ahead > MppeHeader.CoherencyCountMask + 1 - LateKeyCacheSize)
            return MppeDropReason.TooLate;
        // Any other count is ahead: unlike Decrypt (and Linux), which take the far half of the space as late, a
        // loss of 2048 or more packets still resynchronises at the flushed answer, since it is verified and its
        // key changes are few (one per 256-block crossed + 1, at most 17). A packet after a gap, not flushed, cannot
        // be decrypted (RFC 3078 §8.2): it asks for a Reset-Request and changes nothing (see the remarks).
        if (ahead > 1 && !flushed)
            return MppeDropReason.StatefulPacketLoss;

        // The key changes of PrepareStateful (Linux mppe_decompress), on a copy of the key and of the RC4 stream.
        int last = _ccount;
        bool changesHere = flushed || (ccount & 0xFF) == 0xFF;
        int changes = ((last + ahead) >> 8) - ((last + 1) >> 8) + (changesHere ? 1 : 0);
        if (changes > maxKeyChanges)
            return MppeDropReason.RekeyBudgetExhausted;
        int keyLength = _keyLength;
        byte* key = stackalloc byte[KeySize];
        Rc4 cipher = Cipher;
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        {
            Unsafe.CopyBlockUnaligned(key, session, KeySize);
            for (int n = 0; n < changes; n++)
                MppeRekey.ChangeKey(start, key, keyLength, _strength);
        }
        keyChanges = changes;
        _keyChanges += (ulong)changes;
        fixed (byte* data = packet)
        {
            if (changes != 0)
                Rc4.SetKeyMppe(&cipher, key, keyLength);
            Rc4.Transform1(&cipher, data + MppeHeader.Length, packet.Length - MppeHeader.Length);
        }

        if (!MppePlaintext.IsWellFormed(packet[MppeHeader.Length..], out protocolLength))
        {
            Unsafe.InitBlockUnaligned(&cipher, 0, (uint)sizeof(Rc4));
            Unsafe.InitBlockUnaligned(key, 0, KeySize);
            return MppeDropReason.VerificationFailed;
        }

        // Verified: commit the key, the stream and the count.
        fixed (byte* session = _sessionKey)
            Unsafe.CopyBlockUnaligned(session, key, KeySize);
        Cipher = cipher;
        Unsafe.InitBlockUnaligned(&cipher, 0, (uint)sizeof(Rc4));
        Unsafe.InitBlockUnaligned(key, 0, KeySize);
        if (ahead > 1)
            _resyncs++;
        _resyncPending = false;
        _ccount = ccount;
        advanced = true;
        return MppeDropReason.None;
    }

    /// <summary>
    /// Stateful only: records what a burst of packets that change no key may change besides the RC4 stream (see
    /// <see cref="MppeReceiverMark"/>), so that <see cref="RewindDecrypted"/> and <see cref="RollBack"/> can undo the
    /// burst without a copy of the whole receiver. A packet that changes the key (flushed, or a flag packet: count low
    /// octet 0xFF, RFC 3078 §7.2) re-keys the stream, which cannot be run backwards past that: the caller takes a whole
    /// copy for such a burst instead (<see cref="ChangesKey"/> tells which packets).
    /// </summary>
    internal readonly void Mark(out MppeReceiverMark mark)
    {
        mark = default;
        mark.Packets = _packets;
        mark.KeyChanges = _keyChanges;
        mark.Resyncs = _resyncs;
        mark.LateDecrypted = _lateDecrypted;
        fixed (ulong* drops = _drops)
        fixed (ulong* saved = mark.Drops)
            new ReadOnlySpan<ulong>(drops, MppeCounters.ReasonCount).CopyTo(new Span<ulong>(saved, MppeCounters.ReasonCount));
        mark.CoherencyCount = _ccount;
        mark.ResyncPending = _resyncPending;
        mark.Valid = !_stateless;
    }

    /// <summary>
    /// True when a stateful packet with this header changes the key before it is decrypted (flushed, or a flag packet:
    /// RFC 3078 §7.2), so a burst holding it cannot be undone by <see cref="RewindDecrypted"/> alone.
    /// </summary>
    internal static bool ChangesKey(in MppeHeader header) => header.IsFlushed || (header.CoherencyCount & 0xFF) == 0xFF;

    /// <summary>
    /// Stateful: undoes the decryption of one packet (MPPE header and data, as given to the burst) that was the last
    /// to use this receiver's stream: encrypts its data again and runs the stream backwards over it
    /// (<see cref="Rc4.Rewind(Span{byte})"/>). Packets are undone last first.
    /// </summary>
    internal void RewindDecrypted(Span<byte> packet)
    {
        fixed (Rc4* cipher = &Cipher)
        fixed (byte* data = packet)
            Rc4.Rewind(cipher, data + MppeHeader.Length, packet.Length - MppeHeader.Length);
    }

    /// <summary>
    /// Stateful: after <see cref="RewindDecrypted"/> over every packet the burst decrypted, puts back what
    /// <see cref="Mark"/> recorded: the receiver is then exactly as it was before the burst.
    /// </summary>
    internal void RollBack(in MppeReceiverMark mark)
    {
        if (!mark.Valid || _stateless || _keyChanges != mark.KeyChanges)
            throw new InvalidOperationException("Only a stateful burst that changed no key can be rolled back from a mark.");
        _packets = mark.Packets;
        _resyncs = mark.Resyncs;
        _lateDecrypted = mark.LateDecrypted;
        fixed (ulong* drops = _drops)
        fixed (ulong* saved = mark.Drops)
            new ReadOnlySpan<ulong>(saved, MppeCounters.ReasonCount).CopyTo(new Span<ulong>(drops, MppeCounters.ReasonCount));
        _ccount = mark.CoherencyCount;
        _resyncPending = mark.ResyncPending;
    }

    /// <summary>
    /// The ordered part of <see cref="Decrypt"/>: header checks, coherency tracking, key changes, and how the RC4
    /// pass must be keyed. The RC4 pass itself is left to the caller.
    /// </summary>
    /// <param name="allowDeferredKeyChange">Burst only: leave the single key change of an in-order stateless packet
    /// to the burst's deferred key changes (<see cref="MppeBurst"/>).</param>
    internal MppeDropReason Prepare(ReadOnlySpan<byte> packet, ref MppeWork work, bool allowDeferredKeyChange)
    {
        if (_keyLength == 0)
            return Drop(MppeDropReason.NotInitialized);
        if (MppeHeader.TryRead(packet, out MppeHeader header) != MppeHeaderError.None || packet.Length <= MppeHeader.Length)
            return Drop(MppeDropReason.TooShort);
        if (!header.IsEncrypted)
            return Drop(MppeDropReason.NotEncrypted);
        if ((header.Flags & (MppeHeaderFlags.Compressed | MppeHeaderFlags.PacketAtFront)) != 0)
            return Drop(MppeDropReason.UnexpectedCompression);

        work.KeyChangeDeferred = false;
        MppeDropReason reason = _stateless
            ? PrepareStateless(header.CoherencyCount, ref work, allowDeferredKeyChange)
            : PrepareStateful(header.CoherencyCount, header.IsFlushed, ref work);
        if (reason != MppeDropReason.None)
            return Drop(reason);
        _packets++;
        return MppeDropReason.None;
    }

    private MppeDropReason PrepareStateless(ushort ccount, ref MppeWork work, bool allowDeferredKeyChange)
    {
        int keyLength = _keyLength;
        int ahead = (ccount - _ccount) & MppeHeader.CoherencyCountMask;
        work.UsesSessionCipher = false;
        work.KeyLength = keyLength;
        if (ahead == 1 && allowDeferredKeyChange)
        {
            // The common case: the next packet, one key change. The burst runs it paired with another session's.
            _ccount = ccount;
            work.KeyChangeDeferred = true;
            return MppeDropReason.None;
        }
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        fixed (byte* key = work.Key)
        {
            if (ahead <= MaxKeyChangesPerPacket)
            {
                // RFC 3078 §7.1/§7.3: one key change per coherency count (none for a repeat of the newest).
                for (int n = 0; n < ahead; n++)
                {
                    MppeRekey.ChangeKey(start, session, keyLength, _strength);
                    _ccount = (ushort)((_ccount + 1) & MppeHeader.CoherencyCountMask);
                    StoreInCache(_ccount, session);
                }
                _keyChanges += (ulong)ahead;
                Unsafe.CopyBlockUnaligned(key, session, (uint)keyLength);
                return MppeDropReason.None;
            }
            if (ahead > MppeHeader.CoherencyCountMask + 1 - LateKeyCacheSize)
            {
                // Up to 15 behind the newest: the cached key, if this count's slot still holds it.
                int slot = ccount % LateKeyCacheSize;
                if (_cacheTags[slot] != ccount)
                    return MppeDropReason.TooLate;
                fixed (byte* cached = _cacheKeys)
                    Unsafe.CopyBlockUnaligned(key, cached + slot * KeySize, (uint)keyLength);
                _lateDecrypted++;
                return MppeDropReason.None;
            }
            // Linux mppe_decompress discards a packet more than half the space ahead as late; exactly half is ahead.
            if (ahead > HalfSpace)
                return MppeDropReason.TooLate;

            // Far ahead: bounded catch-up on the cursor (see the remarks). The cursor is reused while it lies
            // between the newest accepted count and this packet's; otherwise it restarts from the newest.
            if (!_cursorActive
                || ((_cursorCcount - _ccount) & MppeHeader.CoherencyCountMask) >= HalfSpace
                || ((ccount - _cursorCcount) & MppeHeader.CoherencyCountMask) >= HalfSpace)
            {
                fixed (byte* cursor = _cursorKey)
                    Unsafe.CopyBlockUnaligned(cursor, session, KeySize);
                _cursorCcount = _ccount;
                _cursorActive = true;
            }
            int remaining = (ccount - _cursorCcount) & MppeHeader.CoherencyCountMask;
            int steps = Math.Min(remaining, MaxKeyChangesPerPacket);
            fixed (byte* cursor = _cursorKey)
            {
                for (int n = 0; n < steps; n++)
                {
                    MppeRekey.ChangeKey(start, cursor, keyLength, _strength);
                    _cursorCcount = (ushort)((_cursorCcount + 1) & MppeHeader.CoherencyCountMask);
                    StoreInCache(_cursorCcount, cursor);
                }
                _keyChanges += (ulong)steps;
                if (steps < remaining)
                    return MppeDropReason.CoherencyJumpTooLarge;
                // The walk reached this packet's count: it becomes the newest.
                Unsafe.CopyBlockUnaligned(session, cursor, KeySize);
                Unsafe.InitBlockUnaligned(cursor, 0, KeySize);
            }
            _cursorActive = false;
            _ccount = ccount;
            Unsafe.CopyBlockUnaligned(key, session, (uint)keyLength);
            return MppeDropReason.None;
        }
    }

    private MppeDropReason PrepareStateful(ushort ccount, bool flushed, ref MppeWork work)
    {
        int ahead = (ccount - _ccount) & MppeHeader.CoherencyCountMask;
        work.UsesSessionCipher = true;
        work.KeyLength = 0;
        if (ahead == 0 || ahead >= HalfSpace)
            return _resyncPending ? MppeDropReason.StatefulResyncPending : MppeDropReason.TooLate;
        if (ahead > 1 || _resyncPending)
        {
            if (!flushed)
            {
                if (_resyncPending)
                    return MppeDropReason.StatefulResyncPending;
                // RFC 3078 §8.2: keystream lost; ask for a Reset-Request and wait for a flushed packet.
                _resyncPending = true;
                return MppeDropReason.StatefulPacketLoss;
            }
            _resyncs++;
        }

        // The sender (Linux mppe_compress, MppeSender) changes the key before every flushed stateful packet: each flag
        // packet (low octet 0xFF, RFC 3078 §7.2) and each packet answering a Reset-Request (§8.2). Key changes due:
        // - one per flag packet strictly between the last packet and this one, all lost (Linux mppe_decompress: "rekey
        //   for every missed flag packet", one per 256-block boundary crossed from last + 1). Counted without a loop
        //   on unwrapped counts: multiples of 256 in (last + 1, last + ahead]. At most 8 below half the space.
        // - one for this packet if it is flushed (Linux: "if (flushed) mppe_rekey"), before decrypting it. A flag
        //   packet without A (Linux refuses it) is taken as flushed: the sender changed the key for it either way.
        // Changes of flushed packets lost in the gap (answers to an earlier Reset-Request) cannot be counted by
        // anyone; Linux has the same blind spot.
        int last = _ccount;
        bool changesHere = flushed || (ccount & 0xFF) == 0xFF;
        int keyChanges = ((last + ahead) >> 8) - ((last + 1) >> 8) + (changesHere ? 1 : 0);
        int keyLength = _keyLength;
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        {
            for (int n = 0; n < keyChanges; n++)
                MppeRekey.ChangeKey(start, session, keyLength, _strength);
            _keyChanges += (ulong)keyChanges;
            // RC4 is re-keyed with the new session key (Linux mppe_rekey ends with arc4_setkey). A packet that
            // changes no key continues the stream; one that resynchronises is flushed, so it changes at least one.
            if (keyChanges != 0)
            {
                work.KeyLength = keyLength;
                fixed (byte* key = work.Key)
                    Unsafe.CopyBlockUnaligned(key, session, (uint)keyLength);
            }
        }
        _resyncPending = false;
        _ccount = ccount;
        return MppeDropReason.None;
    }

    /// <summary>The key a deferred key change works on (<see cref="IMppeKeyChanger{TSelf}"/>, for <see cref="MppeBurst"/>).</summary>
    static MppeKeyRef IMppeKeyChanger<MppeReceiver>.Key(MppeReceiver* state) => new(state->_startKey, state->_sessionKey, state->_keyLength, state->_strength);

    /// <summary>After the deferred key change: counts it and fills the packet's key snapshot.</summary>
    static void IMppeKeyChanger<MppeReceiver>.Finish(MppeReceiver* state, MppeWork* work) => state->Finish(work);

    private void Finish(MppeWork* work)
    {
        _keyChanges++;
        fixed (byte* session = _sessionKey)
        {
            StoreInCache(_ccount, session);
            Unsafe.CopyBlockUnaligned(work->Key, session, _keyLength);
        }
        work->KeyChangeDeferred = false;
    }

    private void StoreInCache(ushort ccount, byte* key)
    {
        int slot = ccount % LateKeyCacheSize;
        _cacheTags[slot] = ccount;
        fixed (byte* cached = _cacheKeys)
            Unsafe.CopyBlockUnaligned(cached + slot * KeySize, key, KeySize);
    }

    private MppeDropReason Drop(MppeDropReason reason)
    {
        MppeCounters.Increment(ref _drops[0], reason);
        return reason;
    }
}
