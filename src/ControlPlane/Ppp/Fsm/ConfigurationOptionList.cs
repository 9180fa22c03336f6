namespace PptpGw.ControlPlane.Ppp.Fsm;

internal static class ConfigurationOptionList
{
    /// <summary>
    /// RFC 1661 §5.4: the options of a Configure-Reject "MUST be a proper subset of those in the last
    /// transmitted packet", unmodified and in the same order.
    /// </summary>
    public static bool IsOrderedSubset(ReadOnlySpan<byte> rejected, ReadOnlySpan<byte> request)
    {
        var rejectedReader = new ConfigurationOptionReader(rejected);
        var requestReader = new ConfigurationOptionReader(request);
        while (rejectedReader.TryNext(out ReadOnlySpan<byte> option))
        {
            bool found = false;
            while (requestReader.TryNext(out ReadOnlySpan<byte> candidate))
            {
                if (candidate.SequenceEqual(option))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        return !rejectedReader.IsMalformed;
    }

    /// <summary>
    /// Max-Failure (RFC 1661 §4.6): "further Configure-Nak packets for peer requested options are converted
    /// to Configure-Reject packets". Copies the peer's own options whose Type appears in <paramref name="nak"/>
    /// into <paramref name="destination"/> (which must be as large as <paramref name="request"/>); returns the
    /// length written, 0 when the Nak names none of the peer's options.
    /// </summary>
    public static int ConvertNakToReject(ReadOnlySpan<byte> request, ReadOnlySpan<byte> nak, Span<byte> destination)
    {
        Span<bool> nakedTypes = stackalloc bool[256];
        var nakReader = new ConfigurationOptionReader(nak);
        while (nakReader.TryNext(out ReadOnlySpan<byte> option))
            nakedTypes[option[0]] = true;

        int written = 0;
        var requestReader = new ConfigurationOptionReader(request);
        while (requestReader.TryNext(out ReadOnlySpan<byte> option))
        {
            if (!nakedTypes[option[0]])
                continue;
            option.CopyTo(destination[written..]);
            written += option.Length;
        }
        return written;
    }
}
