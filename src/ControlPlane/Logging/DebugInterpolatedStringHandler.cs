using System.Globalization;
using System.Runtime.CompilerServices;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Lets <c>log.Debug(DebugClasses.PppIo, $"PPP rcvd, ifc = {ifc}, ...")</c> cost one flag test when the class is
/// off: the compiler skips every hole when <c>shouldAppend</c> is false, so nothing is formatted or allocated.
/// </summary>
[InterpolatedStringHandler]
public ref struct DebugInterpolatedStringHandler
{
    private DefaultInterpolatedStringHandler _inner;
    private readonly bool _enabled;

    /// <summary>Called by the compiler; checks <paramref name="log"/> for <paramref name="debugClass"/>.</summary>
    public DebugInterpolatedStringHandler(int literalLength, int formattedCount, GatewayLog log, DebugClasses debugClass, out bool shouldAppend)
    {
        ArgumentNullException.ThrowIfNull(log);
        _enabled = log.IsEnabled(debugClass);
        _inner = _enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
        shouldAppend = _enabled;
    }

    /// <summary>Whether the class was on when the string was built.</summary>
    public readonly bool IsEnabled => _enabled;

    /// <summary>Appends literal text.</summary>
    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    /// <summary>Appends a value (invariant culture).</summary>
    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    /// <summary>Appends a value with a format string.</summary>
    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    /// <summary>Appends a value with an alignment.</summary>
    public void AppendFormatted<T>(T value, int alignment) => _inner.AppendFormatted(value, alignment);

    /// <summary>Appends characters.</summary>
    public void AppendFormatted(scoped ReadOnlySpan<char> value) => _inner.AppendFormatted(value);

    /// <summary>Appends a string.</summary>
    public void AppendFormatted(string? value) => _inner.AppendFormatted(value);

    /// <summary>The built text; empty when the class was off.</summary>
    public string ToStringAndClear() => _enabled ? _inner.ToStringAndClear() : string.Empty;
}
