using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// The gateway's view of a RADIUS answer: what the PPP, IPCP and MPPE layers need from an Access-Accept
/// (RFC 2865 §5, RFC 2869 §5.16, RFC 2548) or the text to relay from an Access-Reject.
/// </summary>
public sealed class RadiusAccessResult
{
    /// <summary>A result for "no server answered".</summary>
    public static RadiusAccessResult Timeout { get; } = new() { Outcome = RadiusAccessOutcome.Timeout };

    /// <summary>Accept, Reject or Timeout.</summary>
    public RadiusAccessOutcome Outcome { get; private init; }
    /// <summary>The server that answered (null on Timeout).</summary>
    public AaaServerHost? Server { get; private init; }
    /// <summary>The reply's Code (Access-Accept, Access-Reject or Access-Challenge; 0 on Timeout).</summary>
    public RadiusCode Code { get; private init; }
    /// <summary>Reply-Message attributes, joined by a newline in order (RFC 2865 §5.18); null when none.</summary>
    public string? ReplyMessage { get; private init; }
    /// <summary>Framed-IP-Address for IPCP (RFC 2865 §5.8); null: take one from the pool.</summary>
    public IPAddress? FramedIpAddress { get; private init; }
    /// <summary>Framed-IP-Netmask.</summary>
    public IPAddress? FramedIpNetmask { get; private init; }
    /// <summary>Session-Timeout in seconds (RFC 2865 §5.27).</summary>
    public uint? SessionTimeout { get; private init; }
    /// <summary>Idle-Timeout in seconds (RFC 2865 §5.28).</summary>
    public uint? IdleTimeout { get; private init; }
    /// <summary>Acct-Interim-Interval in seconds (RFC 2869 §5.16).</summary>
    public uint? AcctInterimInterval { get; private init; }
    /// <summary>Class attributes, to echo in every Accounting-Request of the session (RFC 2865 §5.25).</summary>
    public ImmutableArray<ReadOnlyMemory<byte>> Classes { get; private init; } = [];
    /// <summary>MS-MPPE-Send-Key, decrypted: the key the gateway encrypts towards the client with (RFC 2548 §2.4.2).</summary>
    public ReadOnlyMemory<byte>? MppeSendKey { get; private init; }
    /// <summary>MS-MPPE-Recv-Key, decrypted: the key for what the client sends (RFC 2548 §2.4.3).</summary>
    public ReadOnlyMemory<byte>? MppeRecvKey { get; private init; }
    /// <summary>MS-CHAP-MPPE-Keys, first part: the 8-octet LAN Manager key (RFC 2548 §2.4.1; FreeRADIUS sends zeros).</summary>
    public ReadOnlyMemory<byte>? MsChapLmKey { get; private init; }
    /// <summary>MS-CHAP-MPPE-Keys, second part: the 16-octet NT key, NtPasswordHashHash for MS-CHAPv1 (RFC 3079 §2.4).</summary>
    public ReadOnlyMemory<byte>? MsChapNtKey { get; private init; }
    /// <summary>Set when a key attribute was present but could not be decrypted (wrong length or key length).</summary>
    public RadiusCipherError KeyError { get; private init; }
    /// <summary>MS-MPPE-Encryption-Policy (RFC 2548 §2.4.4).</summary>
    public MppeEncryptionPolicy? EncryptionPolicy { get; private init; }
    /// <summary>MS-MPPE-Encryption-Types (RFC 2548 §2.4.5).</summary>
    public MppeEncryptionTypes? EncryptionTypes { get; private init; }
    /// <summary>The Ident octet of MS-CHAP2-Success (RFC 2548 §2.3.3).</summary>
    public byte? MsChap2SuccessIdentifier { get; private init; }
    /// <summary>MS-CHAP2-Success text after the Ident ("S=" + 40 hex digits …): the Message of the PPP Success to relay.</summary>
    public string? MsChap2Success { get; private init; }
    /// <summary>MS-CHAP-Error text after the Ident ("E=691 R=1 C=… V=3 …"): the Message of the PPP Failure to relay (RFC 2548 §2.1.5).</summary>
    public string? MsChapError { get; private init; }

    /// <summary>True when the server sent MPPE keys of either kind.</summary>
    public bool HasMppeKeys => (MppeSendKey is not null && MppeRecvKey is not null) || MsChapNtKey is not null;

    /// <summary>
    /// Reads a verified reply. <paramref name="requestAuthenticator"/> and <paramref name="secret"/> decrypt the key
    /// attributes (RFC 2548 §2.4). Malformed attributes are skipped; this never throws on peer input.
    /// </summary>
    public static RadiusAccessResult FromReply(RadiusPacket reply, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret, AaaServerHost? server)
    {
        var classes = ImmutableArray.CreateBuilder<ReadOnlyMemory<byte>>();
        StringBuilder? messages = null;
        IPAddress? framed = null, netmask = null;
        uint? sessionTimeout = null, idleTimeout = null, interim = null, policy = null, types = null;
        byte[]? send = null, recv = null, lm = null, nt = null;
        byte? successIdent = null;
        string? success = null, error = null;
        var keyError = RadiusCipherError.None;
        Span<byte> key = stackalloc byte[255];

        foreach (var attribute in reply.Attributes)
        {
            var value = attribute.Value;
            switch (attribute.Type)
            {
                case RadiusAttributeType.ReplyMessage:
                    messages ??= new StringBuilder();
                    if (messages.Length > 0)
                        messages.Append('\n');
                    messages.Append(Encoding.UTF8.GetString(value));
                    break;
                case RadiusAttributeType.FramedIpAddress when value.Length == 4:
                    framed = new IPAddress(value);
                    break;
                case RadiusAttributeType.FramedIpNetmask when value.Length == 4:
                    netmask = new IPAddress(value);
                    break;
                case RadiusAttributeType.SessionTimeout when value.Length == 4:
                    sessionTimeout = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case RadiusAttributeType.IdleTimeout when value.Length == 4:
                    idleTimeout = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case RadiusAttributeType.AcctInterimInterval when value.Length == 4:
                    interim = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case RadiusAttributeType.Class:
                    classes.Add(value.ToArray());
                    break;
                case RadiusAttributeType.VendorSpecific:
                    if (RadiusVendorSpecific.TryParse(value, out uint vendor, out var subs) != RadiusVendorSpecificError.None
                        || vendor != RadiusVendor.Microsoft)
                        break;
                    foreach (var sub in subs)
                    {
                        var v = sub.Value;
                        switch ((MicrosoftAttributeType)sub.Type)
                        {
                            case MicrosoftAttributeType.MsMppeSendKey:
                            case MicrosoftAttributeType.MsMppeRecvKey:
                                var e = RadiusAuthenticator.TryDecryptMppeKey(v, secret, requestAuthenticator, key, out int keyLength);
                                if (e != RadiusCipherError.None)
                                {
                                    keyError = e;
                                    break;
                                }
                                if ((MicrosoftAttributeType)sub.Type == MicrosoftAttributeType.MsMppeSendKey)
                                    send = key[..keyLength].ToArray();
                                else
                                    recv = key[..keyLength].ToArray();
                                break;
                            case MicrosoftAttributeType.MsChapMppeKeys:
                                var lmKey = new byte[8];
                                var ntKey = new byte[16];
                                var ke = RadiusAuthenticator.TryDecryptMsChapMppeKeys(v, secret, requestAuthenticator, lmKey, ntKey);
                                if (ke == RadiusCipherError.None)
                                {
                                    lm = lmKey;
                                    nt = ntKey;
                                }
                                else
                                {
                                    keyError = ke;
                                }
                                break;
                            case MicrosoftAttributeType.MsMppeEncryptionPolicy when v.Length == 4:
                                policy = BinaryPrimitives.ReadUInt32BigEndian(v);
                                break;
                            case MicrosoftAttributeType.MsMppeEncryptionTypes when v.Length == 4:
                                types = BinaryPrimitives.ReadUInt32BigEndian(v);
                                break;
                            case MicrosoftAttributeType.MsChap2Success when v.Length >= 1:
                                successIdent = v[0];
                                success = Encoding.ASCII.GetString(v[1..]);
                                break;
                            case MicrosoftAttributeType.MsChapError when v.Length >= 1:
                                error = Encoding.ASCII.GetString(v[1..]);
                                break;
                        }
                    }
                    break;
            }
        }
        key.Clear();

        return new RadiusAccessResult
        {
            Outcome = reply.Code == RadiusCode.AccessAccept ? RadiusAccessOutcome.Accept : RadiusAccessOutcome.Reject,
            Code = reply.Code,
            Server = server,
            ReplyMessage = messages?.ToString(),
            FramedIpAddress = framed,
            FramedIpNetmask = netmask,
            SessionTimeout = sessionTimeout,
            IdleTimeout = idleTimeout,
            AcctInterimInterval = interim,
            Classes = classes.ToImmutable(),
            MppeSendKey = Optional(send),
            MppeRecvKey = Optional(recv),
            MsChapLmKey = Optional(lm),
            MsChapNtKey = Optional(nt),
            KeyError = keyError,
            EncryptionPolicy = (MppeEncryptionPolicy?)policy,
            EncryptionTypes = (MppeEncryptionTypes?)types,
            MsChap2SuccessIdentifier = successIdent,
            MsChap2Success = success,
            MsChapError = error,
        };
    }

    // A null byte[] (and even a bare null literal in a conditional) converts to an empty ReadOnlyMemory through its
    // implicit operator, not to a null ReadOnlyMemory?: keep "absent" absent explicitly.
    private static ReadOnlyMemory<byte>? Optional(byte[]? value) => value is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(value);

    /// <summary>
    /// The MS-CHAPv2 start keys for <paramref name="strength"/> from MS-MPPE-Send/Recv-Key: the first 8 octets for
    /// 40/56-bit, all 16 for 128-bit (RFC 3079 §3.3 GetAsymmetricStartKey truncates the same digest). Returns the
    /// key length, or 0 when the reply had no such keys or they are too short.
    /// </summary>
    public int GetMsChapV2StartKeys(MppeKeyStrength strength, Span<byte> sendStartKey, Span<byte> receiveStartKey)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        if (MppeSendKey is not { } send || MppeRecvKey is not { } recv || send.Length < length || recv.Length < length)
            return 0;
        send.Span[..length].CopyTo(sendStartKey);
        recv.Span[..length].CopyTo(receiveStartKey);
        return length;
    }

    /// <summary>
    /// The MS-CHAPv1 start key (the same both ways) from MS-CHAP-MPPE-Keys: for 128-bit GetStartKey(challenge,
    /// NtPasswordHashHash) (RFC 3079 §2.3-2.4); for 40/56-bit the 8-octet LAN Manager key (RFC 3079 §2.1-2.2).
    /// Returns the key length, or 0 when the reply had no MS-CHAP-MPPE-Keys, or the LM key is all zero for 40/56-bit
    /// (FreeRADIUS leaves it empty: such a server cannot serve short MS-CHAPv1 keys).
    /// </summary>
    /// <param name="challenge">The 8-octet MS-CHAPv1 challenge the gateway sent (what went in MS-CHAP-Challenge).</param>
    public int GetMsChapV1StartKey(ReadOnlySpan<byte> challenge, MppeKeyStrength strength, Span<byte> startKey) =>
        GetMsChapV1StartKey(MsChapLmKey is { } lm ? lm.Span : default, MsChapNtKey is { } nt ? nt.Span : default, challenge, strength, startKey);

    /// <summary>The arithmetic of <see cref="GetMsChapV1StartKey(ReadOnlySpan{byte}, MppeKeyStrength, Span{byte})"/> on raw keys.</summary>
    public static int GetMsChapV1StartKey(ReadOnlySpan<byte> lmKey, ReadOnlySpan<byte> ntKey, ReadOnlySpan<byte> challenge,
        MppeKeyStrength strength, Span<byte> startKey)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        if (length == MppeKeySchedule.ShortKeyLength)
        {
            if (lmKey.Length < length || !lmKey[..length].ContainsAnyExcept((byte)0))
                return 0;
            lmKey[..length].CopyTo(startKey);
            return length;
        }
        if (ntKey.Length != PasswordHashes.HashLength || challenge.Length != MsChapV1.ChallengeLength)
            return 0;
        MppeKeyDerivation.GetStartKey(challenge, ntKey, startKey);
        return length;
    }
}
