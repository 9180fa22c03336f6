using System.Net;
using System.Runtime.CompilerServices;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// The control plane's log: PIX-numbered system messages filtered by <see cref="Level"/>, and debug lines filtered
/// by the run-time <see cref="DebugClasses"/>, fanned out to sinks. Thread-safe. The level and the debug set are
/// single words read with <see cref="Volatile"/>, and the sinks an immutable array swapped on change, so a message
/// that is off costs a compare, and one that is on takes no lock in the log itself.
/// </summary>
public sealed class GatewayLog
{
    private readonly TimeProvider _time;
    private readonly Lock _sinksLock = new();
    private ILogSink[] _sinks = [];
    private int _level;
    private uint _debug;

    /// <summary>A log with no sinks, passing messages up to <paramref name="level"/> (the PIX's "logging trap").</summary>
    public GatewayLog(TimeProvider? timeProvider = null, PixSeverity level = PixSeverity.Informational)
    {
        _time = timeProvider ?? TimeProvider.System;
        _level = (int)level;
    }

    /// <summary>The least severe severity that is logged; messages with a larger number are dropped.</summary>
    public PixSeverity Level
    {
        get => (PixSeverity)Volatile.Read(ref _level);
        set => Volatile.Write(ref _level, (int)value);
    }

    /// <summary>The debug classes that are on.</summary>
    public DebugClasses Debugging => (DebugClasses)Volatile.Read(ref _debug);

    /// <summary>True when a message of <paramref name="severity"/> would be logged.</summary>
    public bool IsEnabled(PixSeverity severity) => (int)severity <= Volatile.Read(ref _level);

    /// <summary>True when any of <paramref name="debugClass"/> is on.</summary>
    public bool IsEnabled(DebugClasses debugClass) => (Volatile.Read(ref _debug) & (uint)debugClass) != 0;

    /// <summary>Turns <paramref name="classes"/> on ("debug vpdn events").</summary>
    public void EnableDebug(DebugClasses classes) => Interlocked.Or(ref _debug, (uint)classes);

    /// <summary>Turns <paramref name="classes"/> off ("no debug vpdn events"; <see cref="DebugClasses.All"/> for "undebug all").</summary>
    public void DisableDebug(DebugClasses classes) => Interlocked.And(ref _debug, ~(uint)classes);

    /// <summary>Adds a destination.</summary>
    public void AddSink(ILogSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_sinksLock)
        {
            _sinks = [.. _sinks, sink];
        }
    }

    /// <summary>Removes a destination; false if it was not added.</summary>
    public bool RemoveSink(ILogSink sink)
    {
        lock (_sinksLock)
        {
            int i = Array.IndexOf(_sinks, sink);
            if (i < 0)
            {
                return false;
            }

            var copy = new List<ILogSink>(_sinks);
            copy.RemoveAt(i);
            _sinks = [.. copy];
            return true;
        }
    }

    private System.Collections.Frozen.FrozenDictionary<PixMessageId, PixSeverity?> _messageLevels =
        System.Collections.Frozen.FrozenDictionary<PixMessageId, PixSeverity?>.Empty;

    /// <summary>
    /// <c>logging message ID level L</c> / <c>no logging message ID</c> (the PIX's own commands): the severity each
    /// listed message is logged at, or null to suppress it. The others keep the PIX's severity (<see cref="PixMessages.SeverityOf"/>).
    /// </summary>
    public void SetMessageLevels(IReadOnlyDictionary<PixMessageId, PixSeverity?> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        Volatile.Write(ref _messageLevels, System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(levels));
    }

    /// <summary>The severity <paramref name="id"/> is logged at (a <c>logging message</c> line wins), or null when suppressed.</summary>
    public PixSeverity? SeverityOf(PixMessageId id) =>
        Volatile.Read(ref _messageLevels).TryGetValue(id, out PixSeverity? level) ? level : PixMessages.SeverityOf(id);

    /// <summary>Logs numbered message <paramref name="id"/> at its severity (the PIX's, or the configured one).</summary>
    public void Write(PixMessageId id, string text)
    {
        if (SeverityOf(id) is { } severity)
            Write(severity, id, text);
    }

    /// <summary>Logs a message with an explicit severity (free text when <paramref name="id"/> is None).</summary>
    public void Write(PixSeverity severity, PixMessageId id, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsEnabled(severity))
        {
            Dispatch(new LogRecord(_time.GetUtcNow(), severity, id, DebugClasses.None, text));
        }
    }

    /// <summary>Logs free text without a PIX id (configuration notices and the like).</summary>
    public void Write(PixSeverity severity, string text) => Write(severity, PixMessageId.None, text);

    /// <summary>Emits a debug line of <paramref name="debugClass"/> if that class is on.</summary>
    public void Debug(DebugClasses debugClass, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsEnabled(debugClass))
        {
            Dispatch(new LogRecord(_time.GetUtcNow(), PixSeverity.Debugging, PixMessageId.None, debugClass, text));
        }
    }

    /// <summary>Emits an interpolated debug line; the holes are not even formatted when the class is off.</summary>
    public void Debug(DebugClasses debugClass, [InterpolatedStringHandlerArgument("", "debugClass")] ref DebugInterpolatedStringHandler text)
    {
        if (text.IsEnabled)
        {
            Dispatch(new LogRecord(_time.GetUtcNow(), PixSeverity.Debugging, PixMessageId.None, debugClass, text.ToStringAndClear()));
        }
    }

    private void Dispatch(in LogRecord record)
    {
        var sinks = Volatile.Read(ref _sinks);
        foreach (var sink in sinks)
        {
            try
            {
                sink.Write(record);
            }
#pragma warning disable CA1031 // a faulty sink must not take the caller (a protocol automaton) down
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private void Emit(PixMessageId id, string text)
    {
        if (SeverityOf(id) is { } severity)
            Dispatch(new LogRecord(_time.GetUtcNow(), severity, id, DebugClasses.None, text));
    }

    private bool On(PixMessageId id) => SeverityOf(id) is { } severity && IsEnabled(severity);

    /// <summary>%PIX-2-109011: Authen Session Start: user 'john', sid 3.</summary>
    public void AuthenSessionStart(string? user, long sessionId)
    {
        if (On(PixMessageId.AuthenSessionStart)) Emit(PixMessageId.AuthenSessionStart, PixMessages.AuthenSessionStart(user, sessionId));
    }

    /// <summary>%PIX-3-213001: PPTP control daemon socket io accept error, errno = N (<paramref name="what"/> = "accept error").</summary>
    public void PptpControlSocketIoError(string what, int errno)
    {
        if (On(PixMessageId.PptpControlSocketIoError)) Emit(PixMessageId.PptpControlSocketIoError, PixMessages.PptpControlSocketIoError(what, errno));
    }

    /// <summary>%PIX-3-213001 for a failed accept(2), the PIX's message when its 127 sessions are used up.</summary>
    public void PptpAcceptError(int errno) => PptpControlSocketIoError("accept error", errno);

    /// <summary>%PIX-3-213002: PPTP tunnel hashtable insert failed, peer = A.</summary>
    public void PptpTunnelHashtableInsertFailed(IPAddress peer)
    {
        if (On(PixMessageId.PptpTunnelHashtableInsertFailed)) Emit(PixMessageId.PptpTunnelHashtableInsertFailed, PixMessages.PptpTunnelHashtableInsertFailed(peer));
    }

    /// <summary>%PIX-3-213003: PPP virtual interface N isn't opened.</summary>
    public void PppVirtualInterfaceNotOpened(int virtualInterface)
    {
        if (On(PixMessageId.PppVirtualInterfaceNotOpened)) Emit(PixMessageId.PppVirtualInterfaceNotOpened, PixMessages.PppVirtualInterfaceNotOpened(virtualInterface));
    }

    /// <summary>%PIX-3-213004: PPP virtual interface N client ip allocation failed.</summary>
    public void PppClientIpAllocationFailed(int virtualInterface)
    {
        if (On(PixMessageId.PppClientIpAllocationFailed)) Emit(PixMessageId.PppClientIpAllocationFailed, PixMessages.PppClientIpAllocationFailed(virtualInterface));
    }

    /// <summary>%PIX-4-403101: PPTP session state not established, but received an XGRE packet, ...</summary>
    public void PptpSessionNotEstablished(int tunnelId, int sessionId)
    {
        if (On(PixMessageId.PptpSessionNotEstablished)) Emit(PixMessageId.PptpSessionNotEstablished, PixMessages.PptpSessionNotEstablished(tunnelId, sessionId));
    }

    /// <summary>%PIX-4-403102: PPP virtual interface N rcvd pkt with invalid protocol: P, reason: R.</summary>
    public void PppInvalidProtocol(int virtualInterface, ushort protocol, string reason)
    {
        if (On(PixMessageId.PppInvalidProtocol)) Emit(PixMessageId.PppInvalidProtocol, PixMessages.PppInvalidProtocol(virtualInterface, protocol, reason));
    }

    /// <summary>
    /// "mppe required but not active": a data packet arrived unencrypted while MPPE is required. Logs 403102 with that
    /// reason and the reference's vpdn-error debug line "PPTP: Call id 8, no session id protocol: 21, reason: mppe
    /// required but not active, tunnel terminated".
    /// </summary>
    public void MppeRequiredButNotActive(int virtualInterface, int callId, ushort protocol)
    {
        PppInvalidProtocol(virtualInterface, protocol, PixDebugText.MppeRequiredReason);
        if (IsEnabled(DebugClasses.VpdnError)) Debug(DebugClasses.VpdnError, PixDebugText.MppeRequiredButNotActive(callId, protocol));
    }

    /// <summary>%PIX-4-403103: PPP virtual interface max connections reached (the configured session limit).</summary>
    public void PppMaxConnectionsReached()
    {
        if (On(PixMessageId.PppMaxConnectionsReached)) Emit(PixMessageId.PppMaxConnectionsReached, PixMessages.PppMaxConnectionsReached());
    }

    /// <summary>%PIX-4-403104: PPP virtual interface N requires mschap for MPPE.</summary>
    public void PppRequiresMschapForMppe(int virtualInterface)
    {
        if (On(PixMessageId.PppRequiresMschapForMppe)) Emit(PixMessageId.PppRequiresMschapForMppe, PixMessages.PppRequiresMschapForMppe(virtualInterface));
    }

    /// <summary>%PIX-4-403106: PPP virtual interface N requires RADIUS for MPPE.</summary>
    public void PppRequiresRadiusForMppe(int virtualInterface)
    {
        if (On(PixMessageId.PppRequiresRadiusForMppe)) Emit(PixMessageId.PppRequiresRadiusForMppe, PixMessages.PppRequiresRadiusForMppe(virtualInterface));
    }

    /// <summary>%PIX-4-403107: PPP virtual interface N missing aaa server group info.</summary>
    public void PppMissingAaaServerGroup(int virtualInterface)
    {
        if (On(PixMessageId.PppMissingAaaServerGroup)) Emit(PixMessageId.PppMissingAaaServerGroup, PixMessages.PppMissingAaaServerGroup(virtualInterface));
    }

    /// <summary>%PIX-4-403108: PPP virtual interface N missing client ip address option.</summary>
    public void PppMissingClientIpAddressOption(int virtualInterface)
    {
        if (On(PixMessageId.PppMissingClientIpAddressOption)) Emit(PixMessageId.PppMissingClientIpAddressOption, PixMessages.PppMissingClientIpAddressOption(virtualInterface));
    }

    /// <summary>%PIX-4-403109: Rec'd packet not an PPTP packet. ...</summary>
    public void NotPptpPacket(IPAddress destination, IPAddress source, ReadOnlySpan<byte> data)
    {
        if (On(PixMessageId.NotPptpPacket)) Emit(PixMessageId.NotPptpPacket, PixMessages.NotPptpPacket(destination, source, data));
    }

    /// <summary>%PIX-4-403110: PPP virtual interface N, user: X missing MPPE key from aaa server.</summary>
    public void PppMissingMppeKey(int virtualInterface, string? user)
    {
        if (On(PixMessageId.PppMissingMppeKey)) Emit(PixMessageId.PppMissingMppeKey, PixMessages.PppMissingMppeKey(virtualInterface, user));
    }

    /// <summary>%PIX-6-603101: PPTP received out of seq or duplicate pkt, ...</summary>
    public void PptpOutOfSequence(int tunnelId, int sessionId, uint sequence)
    {
        if (On(PixMessageId.PptpOutOfSequence)) Emit(PixMessageId.PptpOutOfSequence, PixMessages.PptpOutOfSequence(tunnelId, sessionId, sequence));
    }

    /// <summary>%PIX-6-603102: PPP virtual interface N - user: X aaa authentication started.</summary>
    public void PppAaaAuthenticationStarted(int virtualInterface, string? user)
    {
        if (On(PixMessageId.PppAaaAuthenticationStarted)) Emit(PixMessageId.PppAaaAuthenticationStarted, PixMessages.PppAaaAuthenticationStarted(virtualInterface, user));
    }

    /// <summary>%PIX-6-603103: PPP virtual interface N - user: X aaa authentication succeed|failed.</summary>
    public void PppAaaAuthenticationStatus(int virtualInterface, string? user, bool succeeded)
    {
        if (On(PixMessageId.PppAaaAuthenticationStatus)) Emit(PixMessageId.PppAaaAuthenticationStatus, PixMessages.PppAaaAuthenticationStatus(virtualInterface, user, succeeded));
    }

    /// <summary>%PIX-6-603104: PPTP Tunnel created, tunnel_id is T, remote_peer_ip is A ...</summary>
    public void PptpTunnelCreated(int tunnelId, IPAddress remotePeer, int virtualInterface, IPAddress? clientAddress, string? user, MppeKeyStrength? mppe)
    {
        if (On(PixMessageId.PptpTunnelCreated)) Emit(PixMessageId.PptpTunnelCreated, PixMessages.PptpTunnelCreated(tunnelId, remotePeer, virtualInterface, clientAddress, user, mppe));
    }

    /// <summary>%PIX-6-603105: PPTP Tunnel deleted, tunnel_id = T, remote_peer_ip = A.</summary>
    public void PptpTunnelDeleted(int tunnelId, IPAddress remotePeer)
    {
        if (On(PixMessageId.PptpTunnelDeleted)) Emit(PixMessageId.PptpTunnelDeleted, PixMessages.PptpTunnelDeleted(tunnelId, remotePeer));
    }
}
