using System.Buffers;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>Why a hidden or encrypted attribute value could not be recovered (RFC 2865 §5.2, RFC 2548 §2.4).</summary>
public enum RadiusCipherError
{
    /// <summary>Recovered.</summary>
    None = 0,
    /// <summary>The value is not a non-zero multiple of 16 octets (plus the salt, for MPPE keys) or is over 128 (User-Password).</summary>
    BadLength,
    /// <summary>The decrypted key-length octet of an MS-MPPE-Send/Recv-Key says more than the value holds (RFC 2548 §2.4.2).</summary>
    BadKeyLength,
    /// <summary>The caller's destination is smaller than the recovered value.</summary>
    DestinationTooSmall,
}
