namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>
/// The "E=" error codes of MS-CHAP Failure messages (RFC 2433 §6, RFC 2759 §6). Other values may arrive and must be
/// handled gracefully; the enum is a uint so any code round-trips.
/// </summary>
public enum MsChapErrorCode : uint
{
    /// <summary>ERROR_RESTRICTED_LOGON_HOURS.</summary>
    RestrictedLogonHours = 646,
    /// <summary>ERROR_ACCT_DISABLED.</summary>
    AcctDisabled = 647,
    /// <summary>ERROR_PASSWD_EXPIRED.</summary>
    PasswdExpired = 648,
    /// <summary>ERROR_NO_DIALIN_PERMISSION.</summary>
    NoDialinPermission = 649,
    /// <summary>ERROR_AUTHENTICATION_FAILURE.</summary>
    AuthenticationFailure = 691,
    /// <summary>ERROR_CHANGING_PASSWORD.</summary>
    ChangingPassword = 709,
}

/// <summary>Why an MS-CHAP Failure message was rejected by <see cref="MsChapFailureMessage.TryParse"/>.</summary>
public enum MsChapFailureMessageError
{
    None = 0,
    /// <summary>No "E=" field: the text is not an MS-CHAP failure message (or is empty).</summary>
    MissingErrorCode,
    /// <summary>The "E=" value is not a decimal number that fits 32 bits.</summary>
    BadErrorCode,
    /// <summary>The "R=" value is not "0" or "1".</summary>
    BadRetryFlag,
    /// <summary>The "C=" value is not 16 (v1) or 32 (v2) hex digits.</summary>
    BadChallenge,
    /// <summary>The "V=" value is not a decimal number that fits 32 bits.</summary>
    BadVersion,
    /// <summary>One of E, R, C, V appears twice.</summary>
    DuplicateField,
}

/// <summary>
/// The Message of an MS-CHAP Failure packet: "E=eeeeeeeeee R=r C=cccccccccccccccc V=vvvvvvvvvv" for v1
/// (RFC 2433 §6; the 16-digit, 8-octet C is optional) and
/// "E=eeeeeeeeee R=r C=cccccccccccccccccccccccccccccccc V=vvvvvvvvvv M=&lt;msg&gt;" for v2 (RFC 2759 §6; 32 digits,
/// V=3). On receive fields may come in any order separated by any white space, unknown fields are skipped,
/// R, C, V and M are optional, hex may be either case, and "M=" takes the rest of the text (spaces included).
/// On send the RFC layout is produced exactly, with uppercase hex.
/// </summary>
public readonly ref struct MsChapFailureMessage
{
    /// <summary>RFC 2759 §6: V is 3 for MS-CHAPv2.</summary>
    public const uint V2Version = 3;
    /// <summary>
    /// RFC 2433 §6: a missing V means version 1, whose Change-Password packet is deprecated, so senders should
    /// state 2 or more.
    /// </summary>
    public const uint V1Version = 2;

    private readonly ReadOnlySpan<byte> _challengeHex;

    /// <summary>The "E=" code.</summary>
    public MsChapErrorCode ErrorCode { get; }
    /// <summary>The "R=" flag: whether the authenticator allows a retry; null when absent.</summary>
    public bool? RetryAllowed { get; }
    /// <summary>The "V=" version; null when absent (RFC 2433 §6: then assume 1).</summary>
    public uint? Version { get; }
    /// <summary>Octets of the new challenge in "C=": 0 (absent), 8 (MS-CHAPv1) or 16 (MS-CHAPv2).</summary>
    public int ChallengeLength => _challengeHex.Length / 2;
    /// <summary>True when an "M=" field was present (possibly empty).</summary>
    public bool HasMessage { get; }
    /// <summary>The text after "M="; empty when absent.</summary>
    public ReadOnlySpan<byte> Message { get; }

    private MsChapFailureMessage(MsChapErrorCode errorCode, bool? retryAllowed, ReadOnlySpan<byte> challengeHex, uint? version, bool hasMessage, ReadOnlySpan<byte> message)
    {
        ErrorCode = errorCode;
        RetryAllowed = retryAllowed;
        _challengeHex = challengeHex;
        Version = version;
        HasMessage = hasMessage;
        Message = message;
    }

    /// <summary>Decodes the "C=" challenge into <paramref name="destination"/> (at least <see cref="ChallengeLength"/> octets).</summary>
    public void CopyChallengeTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ChallengeLength, nameof(destination));
        MsChapText.TryDecodeHex(_challengeHex, destination[..ChallengeLength]);
    }

    /// <summary>Parses the Message field of a Failure packet. Never throws.</summary>
    public static MsChapFailureMessageError TryParse(ReadOnlySpan<byte> text, out MsChapFailureMessage message)
    {
        message = default;
        uint? errorCode = null;
        bool? retry = null;
        uint? version = null;
        ReadOnlySpan<byte> challengeHex = default;
        bool hasChallenge = false;
        bool hasMessage = false;
        ReadOnlySpan<byte> messageText = default;

        ReadOnlySpan<byte> rest = MsChapText.TrimStart(text);
        while (!rest.IsEmpty)
        {
            if (rest.StartsWith("M="u8))
            {
                // M= is last by definition: the message may contain spaces and even "E=".
                hasMessage = true;
                messageText = rest[2..];
                break;
            }
            int end = 0;
            while (end < rest.Length && !MsChapText.IsSeparator(rest[end]))
                end++;
            ReadOnlySpan<byte> token = rest[..end];
            rest = MsChapText.TrimStart(rest[end..]);

            if (token.Length < 2 || token[1] != (byte)'=')
                continue; // not a key=value field: skip it, leniently
            ReadOnlySpan<byte> value = token[2..];
            switch (token[0])
            {
                case (byte)'E':
                    if (errorCode.HasValue)
                        return MsChapFailureMessageError.DuplicateField;
                    if (!MsChapText.TryParseDecimal(value, out uint code))
                        return MsChapFailureMessageError.BadErrorCode;
                    errorCode = code;
                    break;
                case (byte)'R':
                    if (retry.HasValue)
                        return MsChapFailureMessageError.DuplicateField;
                    if (value.Length != 1 || value[0] is not ((byte)'0' or (byte)'1'))
                        return MsChapFailureMessageError.BadRetryFlag;
                    retry = value[0] == (byte)'1';
                    break;
                case (byte)'C':
                    if (hasChallenge)
                        return MsChapFailureMessageError.DuplicateField;
                    if (value.Length is not (2 * MsChapLengths.V1Challenge or 2 * MsChapLengths.V2Challenge)
                        || !MsChapText.IsHex(value))
                        return MsChapFailureMessageError.BadChallenge;
                    hasChallenge = true;
                    challengeHex = value;
                    break;
                case (byte)'V':
                    if (version.HasValue)
                        return MsChapFailureMessageError.DuplicateField;
                    if (!MsChapText.TryParseDecimal(value, out uint v))
                        return MsChapFailureMessageError.BadVersion;
                    version = v;
                    break;
                default:
                    break; // unknown field: skip
            }
        }

        if (!errorCode.HasValue)
            return MsChapFailureMessageError.MissingErrorCode;
        message = new MsChapFailureMessage((MsChapErrorCode)errorCode.Value, retry, challengeHex, version, hasMessage, messageText);
        return MsChapFailureMessageError.None;
    }

    /// <summary>
    /// Writes an MS-CHAPv1 failure text, "E=691 R=1 C=0123456789ABCDEF V=2" (RFC 2433 §6). The C field is written
    /// only when <paramref name="challenge"/> is not empty. Returns false when <paramref name="destination"/> is too
    /// small; throws when a non-empty challenge is not 8 octets.
    /// </summary>
    public static bool TryFormatV1(Span<byte> destination, MsChapErrorCode errorCode, bool retryAllowed, ReadOnlySpan<byte> challenge, uint version, out int bytesWritten)
    {
        if (!challenge.IsEmpty && challenge.Length != MsChapLengths.V1Challenge)
            throw new ArgumentException("An MS-CHAPv1 challenge is 8 octets.", nameof(challenge));
        return TryFormat(destination, errorCode, retryAllowed, challenge, version, includeMessage: false, default, out bytesWritten);
    }

    /// <summary>
    /// Writes an MS-CHAPv2 failure text, "E=691 R=0 C=&lt;32 hex&gt; V=3 M=&lt;message&gt;" (RFC 2759 §6; pass
    /// <see cref="V2Version"/> unless imitating a peer that sends another). Returns false when
    /// <paramref name="destination"/> is too small; throws when the challenge is not 16 octets.
    /// </summary>
    public static bool TryFormatV2(Span<byte> destination, MsChapErrorCode errorCode, bool retryAllowed, ReadOnlySpan<byte> challenge, uint version, ReadOnlySpan<byte> message, out int bytesWritten)
    {
        if (challenge.Length != MsChapLengths.V2Challenge)
            throw new ArgumentException("An MS-CHAPv2 challenge is 16 octets.", nameof(challenge));
        return TryFormat(destination, errorCode, retryAllowed, challenge, version, includeMessage: true, message, out bytesWritten);
    }

    private static bool TryFormat(Span<byte> destination, MsChapErrorCode errorCode, bool retryAllowed, ReadOnlySpan<byte> challenge, uint version, bool includeMessage, ReadOnlySpan<byte> message, out int bytesWritten)
    {
        bytesWritten = 0;
        int p = 0;
        bool ok = MsChapText.TryAppend(destination, ref p, "E="u8)
            && MsChapText.TryAppendDecimal(destination, ref p, (uint)errorCode)
            && MsChapText.TryAppend(destination, ref p, retryAllowed ? " R=1"u8 : " R=0"u8)
            && (challenge.IsEmpty
                || (MsChapText.TryAppend(destination, ref p, " C="u8) && MsChapText.TryAppendHex(destination, ref p, challenge)))
            && MsChapText.TryAppend(destination, ref p, " V="u8)
            && MsChapText.TryAppendDecimal(destination, ref p, version)
            && (!includeMessage
                || (MsChapText.TryAppend(destination, ref p, " M="u8) && MsChapText.TryAppend(destination, ref p, message)));
        if (ok)
            bytesWritten = p;
        return ok;
    }
}
