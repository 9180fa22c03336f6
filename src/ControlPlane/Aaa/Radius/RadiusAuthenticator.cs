using System.Buffers;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// The shared-secret arithmetic of RADIUS: Request/Response Authenticators (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2.3),
/// Message-Authenticator (RFC 3579 §3.2), User-Password hiding (RFC 2865 §5.2), and the Microsoft key attributes
/// (RFC 2548 §2.4.1-2.4.3). All operate on a packet's octets (<see cref="RadiusPacket.Raw"/>); none allocates
/// beyond pooled scratch buffers, and none throws on peer input.
/// </summary>
public static class RadiusAuthenticator
{
    /// <summary>Octets of a Message-Authenticator value (an HMAC-MD5).</summary>
    public const int MessageAuthenticatorLength = 16;
    /// <summary>User-Password may be at most 128 octets (RFC 2865 §5.2).</summary>
    public const int MaxPasswordLength = 128;
    /// <summary>Octets of the salt in front of an MS-MPPE-Send/Recv-Key (RFC 2548 §2.4.2).</summary>
    public const int SaltLength = 2;
    private const int Md5Length = 16;
    private const int StackLimit = 512;

    /// <summary>Fills a Request Authenticator with unpredictable octets (RFC 2865 §3: "globally and temporally unique").</summary>
    public static void FillRequestAuthenticator(Span<byte> authenticator) => RandomNumberGenerator.Fill(authenticator);

    /// <summary>
    /// Finishes a request in place. Access-Request and Status-Server keep the (random) Authenticator already in the
    /// packet and get only their Message-Authenticator; Accounting-Request, CoA-Request and Disconnect-Request get
    /// the Message-Authenticator computed over a zero Authenticator and then the Request Authenticator
    /// MD5(Code+Identifier+Length+16 zero octets+Attributes+Secret) (RFC 2866 §3, RFC 5176 §2.3 and §3.3).
    /// </summary>
    /// <param name="messageAuthenticatorOffset">From <see cref="RadiusPacketWriter.WriteMessageAuthenticator"/>; −1 for none.</param>
    public static void SignRequest(Span<byte> packet, ReadOnlySpan<byte> secret, int messageAuthenticatorOffset)
    {
        var code = (RadiusCode)packet[0];
        var authenticator = packet.Slice(RadiusPacket.AuthenticatorOffset, RadiusPacket.AuthenticatorLength);
        bool computed = code is not (RadiusCode.AccessRequest or RadiusCode.StatusServer);
        if (computed)
            authenticator.Clear();
        if (messageAuthenticatorOffset >= 0)
            FillMessageAuthenticator(packet, secret, messageAuthenticatorOffset);
        if (computed)
            Md5WithSecret(packet, secret, authenticator);
    }

    /// <summary>
    /// Finishes a reply in place (RFC 2865 §3, RFC 3579 §3.2): the Message-Authenticator over the packet with the
    /// Request Authenticator in the Authenticator field, then Response Authenticator =
    /// MD5(Code+Identifier+Length+Request Authenticator+Attributes+Secret).
    /// </summary>
    public static void SignResponse(Span<byte> packet, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret, int messageAuthenticatorOffset)
    {
        var authenticator = packet.Slice(RadiusPacket.AuthenticatorOffset, RadiusPacket.AuthenticatorLength);
        requestAuthenticator.CopyTo(authenticator);
        if (messageAuthenticatorOffset >= 0)
            FillMessageAuthenticator(packet, secret, messageAuthenticatorOffset);
        Md5WithSecret(packet, secret, authenticator);
    }

    /// <summary>Checks a reply's Response Authenticator against the request's (RFC 2865 §3); constant time.</summary>
    public static bool VerifyResponseAuthenticator(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret) =>
        VerifyWithAuthenticatorField(packet, requestAuthenticator, secret);

    /// <summary>
    /// Checks the computed Request Authenticator of an Accounting-Request (RFC 2866 §3) or a CoA-/Disconnect-Request
    /// (RFC 5176 §2.3): MD5 over the packet with 16 zero octets in its place, then the secret.
    /// </summary>
    public static bool VerifyRequestAuthenticator(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> secret)
    {
        Span<byte> zero = stackalloc byte[RadiusPacket.AuthenticatorLength];
        zero.Clear();
        return VerifyWithAuthenticatorField(packet, zero, secret);
    }

    /// <summary>
    /// Finds and checks the Message-Authenticator (RFC 3579 §3.2): HMAC-MD5 keyed with the secret over the packet
    /// with the Message-Authenticator value zeroed and <paramref name="authenticatorField"/> in the Authenticator
    /// field: the packet's own for an Access-Request, the request's for a reply, zeros for Accounting, CoA and
    /// Disconnect requests (RFC 5176 §3.3).
    /// </summary>
    public static MessageAuthenticatorStatus CheckMessageAuthenticator(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> authenticatorField, ReadOnlySpan<byte> secret)
    {
        if (packet.Length < RadiusPacket.HeaderLength)
            return MessageAuthenticatorStatus.Malformed;
        int offset = -1;
        int position = RadiusPacket.HeaderLength;
        var area = packet[RadiusPacket.HeaderLength..];
        foreach (var attribute in new RadiusAttributeEnumerator(area))
        {
            if (attribute.Type == RadiusAttributeType.MessageAuthenticator)
            {
                if (offset >= 0 || attribute.Value.Length != MessageAuthenticatorLength)
                    return MessageAuthenticatorStatus.Malformed;
                offset = position + 2;
            }
            position += attribute.Value.Length + 2;
        }
        if (offset < 0)
            return MessageAuthenticatorStatus.Absent;

        byte[]? rented = null;
        Span<byte> copy = packet.Length <= StackLimit ? stackalloc byte[packet.Length] : (rented = ArrayPool<byte>.Shared.Rent(packet.Length)).AsSpan(0, packet.Length);
        packet.CopyTo(copy);
        authenticatorField.CopyTo(copy.Slice(RadiusPacket.AuthenticatorOffset, RadiusPacket.AuthenticatorLength));
        copy.Slice(offset, MessageAuthenticatorLength).Clear();
        Span<byte> mac = stackalloc byte[MessageAuthenticatorLength];
        HMACMD5.HashData(secret, copy, mac);
        bool ok = CryptographicOperations.FixedTimeEquals(mac, packet.Slice(offset, MessageAuthenticatorLength));
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
        return ok ? MessageAuthenticatorStatus.Valid : MessageAuthenticatorStatus.Invalid;
    }

    // ------------------------------------------------------------------ User-Password (RFC 2865 §5.2)

    /// <summary>Octets the hidden form of a <paramref name="passwordLength"/>-octet password takes; −1 if over 128.</summary>
    public static int HiddenPasswordLength(int passwordLength) =>
        passwordLength > MaxPasswordLength ? -1 : Math.Max(Md5Length, (passwordLength + Md5Length - 1) / Md5Length * Md5Length);

    /// <summary>
    /// Hides a User-Password (RFC 2865 §5.2): pad with zeros to a multiple of 16, then c(1) = p(1) xor MD5(S + RA),
    /// c(i) = p(i) xor MD5(S + c(i−1)). False when the password is over 128 octets or the destination too small.
    /// </summary>
    public static bool TryHidePassword(ReadOnlySpan<byte> password, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator,
        Span<byte> destination, out int written)
    {
        written = HiddenPasswordLength(password.Length);
        if (written < 0 || destination.Length < written)
        {
            written = 0;
            return false;
        }
        var output = destination[..written];
        output.Clear();
        password.CopyTo(output);
        XorChain(output, output, secret, requestAuthenticator, default, encrypt: true);
        return true;
    }

    /// <summary>Recovers a hidden User-Password (the server's side of RFC 2865 §5.2), without the zero padding.</summary>
    public static RadiusCipherError TryRevealPassword(ReadOnlySpan<byte> hidden, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator,
        Span<byte> destination, out int length)
    {
        length = 0;
        if (hidden.Length == 0 || hidden.Length % Md5Length != 0 || hidden.Length > MaxPasswordLength)
            return RadiusCipherError.BadLength;
        Span<byte> plain = stackalloc byte[hidden.Length];
        XorChain(hidden, plain, secret, requestAuthenticator, default, encrypt: false);
        int end = plain.Length;
        while (end > 0 && plain[end - 1] == 0)
            end--;
        if (destination.Length < end)
            return RadiusCipherError.DestinationTooSmall;
        plain[..end].CopyTo(destination);
        CryptographicOperations.ZeroMemory(plain);
        length = end;
        return RadiusCipherError.None;
    }

    // ------------------------------------------------------------------ Microsoft keys (RFC 2548 §2.4)

    /// <summary>
    /// Decrypts MS-MPPE-Send-Key or MS-MPPE-Recv-Key (RFC 2548 §2.4.2, §2.4.3): Salt (2) + String, where the
    /// plaintext is Key-Length (1) + Key + padding, encrypted as c(1) = p(1) xor MD5(S + R + A),
    /// c(i) = p(i) xor MD5(S + c(i−1)) with R the Access-Request's Request Authenticator and A the salt.
    /// </summary>
    public static RadiusCipherError TryDecryptMppeKey(ReadOnlySpan<byte> value, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator,
        Span<byte> key, out int keyLength)
    {
        keyLength = 0;
        int cipherLength = value.Length - SaltLength;
        if (cipherLength < Md5Length || cipherLength % Md5Length != 0)
            return RadiusCipherError.BadLength;
        Span<byte> plain = stackalloc byte[cipherLength];
        XorChain(value[SaltLength..], plain, secret, requestAuthenticator, value[..SaltLength], encrypt: false);
        int length = plain[0];
        var error = RadiusCipherError.None;
        if (length > cipherLength - 1)
            error = RadiusCipherError.BadKeyLength;
        else if (key.Length < length)
            error = RadiusCipherError.DestinationTooSmall;
        else
        {
            plain.Slice(1, length).CopyTo(key);
            keyLength = length;
        }
        CryptographicOperations.ZeroMemory(plain);
        return error;
    }

    /// <summary>Octets an MS-MPPE-Send/Recv-Key value takes for a <paramref name="keyLength"/>-octet key.</summary>
    public static int EncryptedMppeKeyLength(int keyLength) => SaltLength + (keyLength + 1 + Md5Length - 1) / Md5Length * Md5Length;

    /// <summary>
    /// Encrypts an MS-MPPE-Send/Recv-Key value (the server's side of RFC 2548 §2.4.2). The salt's high bit must be set
    /// ("the most significant bit of the Salt field MUST be set"); this method sets it.
    /// </summary>
    public static bool TryEncryptMppeKey(ReadOnlySpan<byte> key, ushort salt, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator,
        Span<byte> destination, out int written)
    {
        written = EncryptedMppeKeyLength(key.Length);
        if (key.Length > 255 || destination.Length < written)
        {
            written = 0;
            return false;
        }
        var output = destination[..written];
        output.Clear();
        output[0] = (byte)((salt >> 8) | 0x80);
        output[1] = (byte)salt;
        var body = output[SaltLength..];
        body[0] = (byte)key.Length;
        key.CopyTo(body[1..]);
        XorChain(body, body, secret, requestAuthenticator, output[..SaltLength], encrypt: true);
        return true;
    }

    /// <summary>Octets of the MS-CHAP-MPPE-Keys plaintext that carry keys: LM key (8) + NT key (16) (RFC 2548 §2.4.1).</summary>
    public const int MsChapMppeKeysLength = 24;

    /// <summary>
    /// Decrypts MS-CHAP-MPPE-Keys (RFC 2548 §2.4.1): 32 octets hidden like User-Password with the Request
    /// Authenticator; the plaintext is the 8-octet LAN Manager key then the 16-octet NT key (for MS-CHAPv1 the
    /// NtPasswordHashHash, RFC 3079 §2.4) and padding.
    /// </summary>
    public static RadiusCipherError TryDecryptMsChapMppeKeys(ReadOnlySpan<byte> value, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> requestAuthenticator,
        Span<byte> lmKey, Span<byte> ntKey)
    {
        if (value.Length < MsChapMppeKeysLength || value.Length % Md5Length != 0)
            return RadiusCipherError.BadLength;
        if (lmKey.Length < 8 || ntKey.Length < 16)
            return RadiusCipherError.DestinationTooSmall;
        Span<byte> plain = stackalloc byte[value.Length];
        XorChain(value, plain, secret, requestAuthenticator, default, encrypt: false);
        plain[..8].CopyTo(lmKey);
        plain.Slice(8, 16).CopyTo(ntKey);
        CryptographicOperations.ZeroMemory(plain);
        return RadiusCipherError.None;
    }

    /// <summary>Encrypts MS-CHAP-MPPE-Keys (the server's side of RFC 2548 §2.4.1) into 32 octets.</summary>
    public static bool TryEncryptMsChapMppeKeys(ReadOnlySpan<byte> lmKey, ReadOnlySpan<byte> ntKey, ReadOnlySpan<byte> secret,
        ReadOnlySpan<byte> requestAuthenticator, Span<byte> destination)
    {
        if (lmKey.Length != 8 || ntKey.Length != 16 || destination.Length < 32)
            return false;
        var output = destination[..32];
        output.Clear();
        lmKey.CopyTo(output);
        ntKey.CopyTo(output[8..]);
        XorChain(output, output, secret, requestAuthenticator, default, encrypt: true);
        return true;
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>
    /// The RFC 2865 §5.2 / RFC 2548 §2.4.2 chain: block i is xored with MD5(secret + seed) where the seed is
    /// <paramref name="authenticator"/> (+ <paramref name="salt"/>) for the first block and the previous cipher
    /// block after it. <paramref name="input"/> and <paramref name="output"/> may be the same span.
    /// </summary>
    private static void XorChain(ReadOnlySpan<byte> input, Span<byte> output, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> authenticator,
        ReadOnlySpan<byte> salt, bool encrypt)
    {
        int seedLength = Math.Max(authenticator.Length + salt.Length, Md5Length);
        byte[]? rented = null;
        int scratchLength = secret.Length + seedLength;
        Span<byte> scratch = scratchLength <= StackLimit ? stackalloc byte[scratchLength] : (rented = ArrayPool<byte>.Shared.Rent(scratchLength)).AsSpan(0, scratchLength);
        secret.CopyTo(scratch);
        authenticator.CopyTo(scratch[secret.Length..]);
        salt.CopyTo(scratch[(secret.Length + authenticator.Length)..]);
        int hashedLength = secret.Length + authenticator.Length + salt.Length;
        Span<byte> b = stackalloc byte[Md5Length];
        Span<byte> cipher = stackalloc byte[Md5Length];
        for (int i = 0; i < input.Length; i += Md5Length)
        {
            MD5.HashData(scratch[..hashedLength], b);
            var inBlock = input.Slice(i, Md5Length);
            var outBlock = output.Slice(i, Md5Length);
            if (!encrypt)
                inBlock.CopyTo(cipher);
            for (int j = 0; j < Md5Length; j++)
                outBlock[j] = (byte)(inBlock[j] ^ b[j]);
            if (encrypt)
                outBlock.CopyTo(cipher);
            cipher.CopyTo(scratch[secret.Length..]);
            hashedLength = secret.Length + Md5Length;
        }
        CryptographicOperations.ZeroMemory(scratch);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>HMAC-MD5 over the packet with the Message-Authenticator value zeroed, written into that value.</summary>
    private static void FillMessageAuthenticator(Span<byte> packet, ReadOnlySpan<byte> secret, int offset)
    {
        var ma = packet.Slice(offset, MessageAuthenticatorLength);
        ma.Clear();
        Span<byte> mac = stackalloc byte[MessageAuthenticatorLength];
        HMACMD5.HashData(secret, packet, mac);
        mac.CopyTo(ma);
    }

    /// <summary>MD5(packet + secret) into <paramref name="digest"/> (which may alias the packet's Authenticator).</summary>
    private static void Md5WithSecret(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> secret, Span<byte> digest)
    {
        int total = packet.Length + secret.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(total);
        var scratch = rented.AsSpan(0, total);
        packet.CopyTo(scratch);
        secret.CopyTo(scratch[packet.Length..]);
        MD5.HashData(scratch, digest);
        CryptographicOperations.ZeroMemory(scratch);
        ArrayPool<byte>.Shared.Return(rented);
    }

    private static bool VerifyWithAuthenticatorField(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> authenticatorField, ReadOnlySpan<byte> secret)
    {
        if (packet.Length < RadiusPacket.HeaderLength || authenticatorField.Length != RadiusPacket.AuthenticatorLength)
            return false;
        int total = packet.Length + secret.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(total);
        var scratch = rented.AsSpan(0, total);
        packet.CopyTo(scratch);
        authenticatorField.CopyTo(scratch[RadiusPacket.AuthenticatorOffset..]);
        secret.CopyTo(scratch[packet.Length..]);
        Span<byte> digest = stackalloc byte[Md5Length];
        MD5.HashData(scratch, digest);
        CryptographicOperations.ZeroMemory(scratch);
        ArrayPool<byte>.Shared.Return(rented);
        return CryptographicOperations.FixedTimeEquals(digest, packet.Slice(RadiusPacket.AuthenticatorOffset, RadiusPacket.AuthenticatorLength));
    }
}
