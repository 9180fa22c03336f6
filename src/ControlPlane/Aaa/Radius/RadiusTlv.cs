namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// The Type-Length-Value framing that attributes (RFC 2865 §5: Type, Length, Value) and the sub-attributes of a
/// Vendor-Specific value (§5.26: Vendor-Type, Vendor-Length, value) share: one octet of type, one octet of length
/// counting these two, then the value. One walker and one validator for both; never reads past the span, never throws.
/// </summary>
internal static class RadiusTlv
{
    /// <summary>
    /// Splits the next TLV off <paramref name="area"/>: its type, its value and what follows; false at the end or at a
    /// malformed one.
    /// </summary>
    internal static bool TryNext(ReadOnlySpan<byte> area, out byte type, out ReadOnlySpan<byte> value, out ReadOnlySpan<byte> rest)
    {
        type = 0;
        value = default;
        rest = area;
        if (area.Length < 2)
            return false;
        int length = area[1];
        if (length < 2 || length > area.Length)
            return false;
        type = area[0];
        value = area[2..length];
        rest = area[length..];
        return true;
    }

    /// <summary>Checks the framing of a whole area; each caller names its own error values.</summary>
    internal static TError Validate<TError>(ReadOnlySpan<byte> area, TError none, TError headerTruncated, TError lengthTooSmall, TError overrun)
        where TError : struct, Enum
    {
        while (!area.IsEmpty)
        {
            if (area.Length < 2)
                return headerTruncated;
            int length = area[1];
            if (length < 2)
                return lengthTooSmall;
            if (length > area.Length)
                return overrun;
            area = area[length..];
        }
        return none;
    }
}
