using System.Diagnostics.CodeAnalysis;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Workers;

/// <summary>Sizes and timers of a <see cref="DataplaneHost"/>.</summary>
public sealed record DataplaneOptions
{
    /// <summary>Most sessions at once (the session table's slots).</summary>
    public int SessionCapacity { get; init; } = 1024;

    /// <summary>Workers (threads); sessions are spread over them by a hash of their outside key.</summary>
    public int WorkerCount { get; init; } = 1;

    /// <summary>Packet buffers in the pool.</summary>
    public int PoolCapacity { get; init; } = 16_384;

    /// <summary>Bytes per packet buffer, headroom included.</summary>
    public int BufferSize { get; init; } = PacketPool.DefaultBufferSize;

    /// <summary>Commands (control plane → worker) that can wait per worker; a full ring makes a control call return false.</summary>
    public int CommandRingCapacity { get; init; } = 4096;

    /// <summary>Control frames and signals (worker → control plane) that can wait per worker; a full ring drops and counts.</summary>
    public int ControlRingCapacity { get; init; } = 4096;

    /// <summary>How long a GRE gap may hold later packets back (RFC 2637 §4.3); <see cref="GreReorderPolicy.DefaultMaxWait"/> when null.</summary>
    public TimeSpan? ReorderWait { get; init; }

    /// <summary>How many packets ahead of a gap a session may hold (0 disables reordering).</summary>
    public int ReorderDepth { get; init; } = GreReorderPolicy.MaxDepth;

    /// <summary>How long an owed GRE acknowledgment waits for outgoing data before it goes alone.</summary>
    public TimeSpan AcknowledgmentDelay { get; init; } = GreSequencer.DefaultAcknowledgmentDelay;

    /// <summary>The clock of the GRE timers (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Seed of the session table's hashes (reproducible tests); null draws it from the OS.</summary>
    public ulong? HashSeed { get; init; }

    /// <summary>How much stateless-MPPE rekeying coherency jumps may cost (per session, per worker); <see cref="RekeyBudget.Default"/> when null.</summary>
    public RekeyBudget? RekeyBudget { get; init; }

    /// <summary>
    /// Start each session's GRE numbering at a random Sequence Number (RFC 2637 §4.3 fixes no first value): the
    /// acknowledgments a blind spoofer would have to echo to resynchronise a session without MPPE are then a
    /// 32-bit guess (docs/ARCHITECTURE.md, "Attacker model"). False starts at 0 (tests that read our numbers).
    /// </summary>
    public bool RandomInitialSequenceNumbers { get; init; } = true;
}

/// <summary>
/// The dataplane: packet pool, session table, workers with their ports and rings, and the control-plane thread that
/// drains what the workers hand up and calls the <see cref="IControlFrameSink"/>. Implements the control plane's
/// handle on it, <see cref="IDataplaneControl"/>.
/// </summary>
/// <remarks>
/// <para>Control calls are serialised by a lock (they are the session table's single writer and the command rings'
/// single producer); they never wait for a worker. Per-session state changes travel to the owning worker as commands
/// on its ring, applied at the top of its loop, so the worker stays the only writer of its sessions' state.</para>
/// <para>Threads are optional: <see cref="Start"/> runs each worker and the control drain on threads; without it a
/// test or benchmark steps the workers with <see cref="Worker.RunOnce"/> and drains with <see cref="PollControlPlane"/>.</para>
/// </remarks>
public sealed class DataplaneHost : IDataplaneControl, IDisposable
{
    private readonly Lock _gate = new();
    private readonly IControlFrameSink _sink;
    private readonly Worker[] _workers;
    private readonly DataplanePortPair[] _ports;
    private readonly SpscRing<WorkerCommand>[] _commands;
    private readonly SpscRing<UpMessage>[] _up;
    private readonly SessionSpecSlot[] _specs;
    private readonly ulong _placementSeed;
    private Thread[]? _threads;
    private Thread? _drainThread;
    private volatile bool _stopping;
    private long _sinkErrors;
    private bool _disposed;

    /// <summary>Builds the dataplane: the pool, the table, and each worker with the ports <paramref name="ports"/> creates (on the calling thread, so kernel ports open in its network namespace).</summary>
    public DataplaneHost(DataplaneOptions options, IDataplanePortFactory ports, IControlFrameSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WorkerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.WorkerCount, ports.MaxWorkers);
        _sink = sink;
        Options = options;
        int external = ports.ExternalBufferCount;
        Pool = new PacketPool(options.PoolCapacity + external, options.BufferSize, externalCount: external);
        Sessions = new SessionTable(options.SessionCapacity, options.WorkerCount, options.HashSeed);
        _specs = new SessionSpecSlot[options.SessionCapacity];
        _placementSeed = options.HashSeed ?? (ulong)Random.Shared.NextInt64();

        long frequency = options.Time.TimestampFrequency;
        TimeSpan wait = options.ReorderWait ?? GreReorderPolicy.DefaultMaxWait;
        var reorder = new GreReorderPolicy(options.ReorderDepth, Math.Max(1, (long)(wait.TotalSeconds * frequency)));
        long ackDelay = (long)(options.AcknowledgmentDelay.TotalSeconds * frequency);

        int n = options.WorkerCount;
        _workers = new Worker[n];
        _ports = new DataplanePortPair[n];
        _commands = new SpscRing<WorkerCommand>[n];
        _up = new SpscRing<UpMessage>[n];
        try
        {
            for (int i = 0; i < n; i++)
            {
                _ports[i] = ports.Create(Pool, i);
                _commands[i] = new SpscRing<WorkerCommand>(options.CommandRingCapacity);
                _up[i] = new SpscRing<UpMessage>(options.ControlRingCapacity);
                _workers[i] = new Worker(i, Sessions, Pool, _ports[i], _commands[i], _up[i], _specs,
                    options.Time, reorder, ackDelay, options.RekeyBudget, options.RandomInitialSequenceNumbers);
            }

            ports.BindSessions(Sessions);
        }
        catch
        {
            foreach (DataplanePortPair? pair in _ports)
                pair?.Dispose();
            Pool.Dispose();
            throw;
        }
    }

    /// <summary>The options it was built with.</summary>
    public DataplaneOptions Options { get; }

    /// <summary>Every packet buffer of the dataplane.</summary>
    public PacketPool Pool { get; }

    /// <summary>The session table (the control plane is its single writer, through this object).</summary>
    public SessionTable Sessions { get; }

    /// <summary>The workers, by index.</summary>
    public IReadOnlyList<Worker> Workers => _workers;

    /// <summary>Exceptions thrown by the <see cref="IControlFrameSink"/> (caught so the drain continues).</summary>
    public long SinkErrors => Interlocked.Read(ref _sinkErrors);

    /// <summary>
    /// The kernel interface the inside traffic goes through (the kernel backend's TUN device, e.g. "pptpgw0"), or null
    /// for memory ports. The host routes the address pool's prefixes to it unless they lie in its own prefix.
    /// </summary>
    public string? InsideDeviceName => _ports[0].InsideDeviceName;

    /// <summary>True while the threads run.</summary>
    public bool IsRunning => _threads is not null;

    /// <summary>The worker a session belongs to, or -1 for a stale handle.</summary>
    public int WorkerOf(SessionHandle session) =>
        Sessions.TryGetConfig(session, out SessionConfig config) ? config.Worker : -1;

    // ----------------------------------------------------------------------------------------------------------------
    // IDataplaneControl
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public SessionInstallError TryOpen(in DataplaneSessionSpec spec, out SessionHandle session)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var config = new SessionConfig(spec.PeerAddress, spec.CallId, spec.PeerCallId, tunnelAddress: 0,
                worker: Place(spec.PeerAddress, spec.CallId));
            var initializer = new SpecInitializer(_specs, spec.OurReceiveWindow, spec.PeerReceiveWindow);
            return Sessions.TryInstall(in config, ref initializer, out session);
        }
    }

    /// <inheritdoc/>
    public bool SetNetwork(SessionHandle session, uint tunnelAddress, bool transmitAcfc, bool transmitPfc, bool requireEncryption, ushort tcpMss = 0,
        ushort tunnelMtu = 0)
    {
        lock (_gate)
        {
            if (_disposed || !Sessions.TryGetConfig(session, out SessionConfig config))
                return false;
            uint previous = config.TunnelAddress;
            if (Sessions.TrySetTunnelAddress(session, tunnelAddress) != SessionUpdateError.None)
                return false;
            var command = new WorkerCommand
            {
                Kind = WorkerCommandKind.SetNetwork,
                Session = session,
                TunnelAddress = tunnelAddress,
                TransmitAcfc = transmitAcfc,
                TransmitPfc = transmitPfc,
                RequireEncryption = requireEncryption,
                TcpMss = tcpMss,
                TunnelMtu = tunnelMtu,
            };
            if (!_commands[config.Worker].TryEnqueue(command))
            {
                _ = Sessions.TrySetTunnelAddress(session, previous);
                return false;
            }

            SessionFlags flags = (config.Flags & ~(SessionFlags.TransmitAcfc | SessionFlags.TransmitPfc))
                | SessionFlags.IpcpOpened
                | (transmitAcfc ? SessionFlags.TransmitAcfc : 0)
                | (transmitPfc ? SessionFlags.TransmitPfc : 0);
            _ = Sessions.TrySetFlags(session, flags);
            return true;
        }
    }

    /// <inheritdoc/>
    public bool SetMppe(SessionHandle session, in MppeParameters mppe)
    {
        int length = MppeKeySchedule.SessionKeyLength(mppe.Strength);
        if (mppe.SendStartKey.Length < length || mppe.ReceiveStartKey.Length < length)
            throw new ArgumentException($"MPPE-{mppe.Strength} needs start keys of {length} octets.", nameof(mppe));
        lock (_gate)
        {
            if (_disposed || !Sessions.TryGetConfig(session, out SessionConfig config))
                return false;
            byte[] keys = new byte[2 * length];
            mppe.SendStartKey.Span[..length].CopyTo(keys);
            mppe.ReceiveStartKey.Span[..length].CopyTo(keys.AsSpan(length));
            var command = new WorkerCommand
            {
                Kind = WorkerCommandKind.SetMppe,
                Session = session,
                Strength = mppe.Strength,
                Stateless = mppe.Stateless,
                Keys = keys,
            };
            if (!_commands[config.Worker].TryEnqueue(command))
            {
                Array.Clear(keys);
                return false;
            }

            SessionFlags strength = mppe.Strength switch
            {
                MppeKeyStrength.Bits40 => SessionFlags.Mppe40,
                MppeKeyStrength.Bits56 => SessionFlags.Mppe56,
                _ => SessionFlags.Mppe128,
            };
            SessionFlags flags = (config.Flags & ~(SessionFlags.Mppe40 | SessionFlags.Mppe56 | SessionFlags.Mppe128 | SessionFlags.MppeStateless))
                | strength | (mppe.Stateless ? SessionFlags.MppeStateless : 0);
            _ = Sessions.TrySetFlags(session, flags);
            return true;
        }
    }

    /// <inheritdoc/>
    public bool SetNetworkDown(SessionHandle session) =>
        Send(session, new WorkerCommand { Kind = WorkerCommandKind.NetworkDown, Session = session });

    /// <inheritdoc/>
    public bool OnPeerResetRequest(SessionHandle session) =>
        Send(session, new WorkerCommand { Kind = WorkerCommandKind.PeerResetRequest, Session = session });

    /// <inheritdoc/>
    /// <remarks>The frame is copied into a pool packet here; false when the session is gone, the pool is empty, the frame does not fit a buffer or the worker's ring is full.</remarks>
    public bool SendControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame)
    {
        lock (_gate)
        {
            if (_disposed || pppFrame.IsEmpty || !Sessions.TryGetConfig(session, out SessionConfig config))
                return false;
            if (!Pool.TryAllocate(out PacketHandle packet))
                return false;
            if (!packet.TryAppend(pppFrame.Length, out Span<byte> data))
            {
                Pool.Free(packet);
                return false;
            }

            pppFrame.CopyTo(data);
            if (!_commands[config.Worker].TryEnqueue(new WorkerCommand { Kind = WorkerCommandKind.SendControlFrame, Session = session, Frame = packet }))
            {
                Pool.Free(packet);
                return false;
            }

            return true;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Lookups stop finding the session at once; its worker then frees the packets it held for it and forgets the keys
    /// (the command may be lost on a full ring: the worker also notices the removal by itself). Counters stay readable
    /// through the handle until the slot is reused.
    /// </remarks>
    public bool Close(SessionHandle session)
    {
        lock (_gate)
        {
            if (_disposed || !Sessions.TryGetConfig(session, out SessionConfig config))
                return false;
            if (!Sessions.Remove(session))
                return false;
            _ = _commands[config.Worker].TryEnqueue(new WorkerCommand { Kind = WorkerCommandKind.Close, Session = session });
            return true;
        }
    }

    /// <inheritdoc/>
    public bool TryGetCounters(SessionHandle session, out SessionCounters counters)
    {
        if ((uint)session.Slot < (uint)_specs.Length)
        {
            foreach (Worker worker in _workers)
            {
                if (worker.TryReadCounters(session, out counters))
                    return true;
            }

            // Installed but not yet met by its worker: nothing counted yet.
            if (Sessions.IsCurrent(session))
            {
                counters = new SessionCounters(0, 0, 0, 0, 0, 0, 0, 0, _specs[session.Slot].PeerReceiveWindow, 0, 0);
                return true;
            }
        }

        counters = default;
        return false;
    }

    /// <summary>The session's drops by reason; false unless its worker holds state for exactly this session.</summary>
    public bool TryGetDropCounters(SessionHandle session, [NotNullWhen(true)] out SessionDropCounters? drops)
    {
        foreach (Worker worker in _workers)
        {
            if (worker.TryReadDrops(session, out SessionDropCounters d))
            {
                drops = d;
                return true;
            }
        }

        drops = null;
        return false;
    }

    /// <summary>The whole dataplane's traffic and drops by reason (the sum over workers).</summary>
    public DataplaneCounters GetCounters()
    {
        var drops = new ulong[DataplaneCounters.ReasonCount];
        WorkerTraffic traffic = default;
        foreach (Worker worker in _workers)
        {
            traffic += worker.Traffic;
            for (int r = 1; r < drops.Length; r++)
                drops[r] += worker.GetDrops((DataplaneDropReason)r);
        }

        return new DataplaneCounters(drops, traffic);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Control drain and threads
    // ----------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Drains every worker's up ring once: control frames go to <see cref="IControlFrameSink.OnControlFrame"/> (then
    /// their packets back to the pool), MPPE loss signals to <see cref="IControlFrameSink.OnResetRequestNeeded"/>.
    /// Called by the drain thread, or by a test without threads. Returns the messages handled.
    /// </summary>
    public int PollControlPlane()
    {
        int handled = 0;
        foreach (SpscRing<UpMessage> ring in _up)
        {
            for (int k = 0; k < 256 && ring.TryDequeue(out UpMessage message); k++)
            {
                handled++;
                try
                {
                    if (message.Kind == UpMessageKind.ControlFrame)
                        _sink.OnControlFrame(message.Session, message.Frame.Data);
                    else
                        _sink.OnResetRequestNeeded(message.Session);
                }
#pragma warning disable CA1031 // the sink is the control plane's code: one failure must not stop every session's control traffic
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _sinkErrors);
                }
                finally
                {
                    if (message.Kind == UpMessageKind.ControlFrame)
                        Pool.Free(message.Frame);
                }
            }
        }

        return handled;
    }

    /// <summary>Starts one thread per worker and the control drain thread.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_threads is not null)
                throw new InvalidOperationException("Already started.");
            _stopping = false;
            var threads = new Thread[_workers.Length];
            for (int i = 0; i < threads.Length; i++)
            {
                Worker worker = _workers[i];
                threads[i] = new Thread(() => RunWorker(worker)) { IsBackground = true, Name = $"pptpgw-worker-{i}" };
            }

            _drainThread = new Thread(RunDrain) { IsBackground = true, Name = "pptpgw-control-drain" };
            _threads = threads;
            foreach (Thread t in threads)
                t.Start();
            _drainThread.Start();
        }
    }

    /// <summary>Stops the threads and waits for them (the workers go offline in the session table).</summary>
    public void Stop()
    {
        Thread[]? threads;
        Thread? drain;
        lock (_gate)
        {
            threads = _threads;
            drain = _drainThread;
            _threads = null;
            _drainThread = null;
            _stopping = true;
        }

        if (threads is null)
            return;
        foreach (Thread t in threads)
            t.Join();
        drain?.Join();
        foreach (Worker worker in _workers)
            Sessions.GoOnline(worker.Index); // steppable again with RunOnce
    }

    /// <summary>Stops, frees every packet still held, closes the ports and releases the pool.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        Stop();
        lock (_gate)
        {
            _disposed = true;
        }

        _ = PollControlPlane();
        foreach (Worker worker in _workers)
            worker.ReleaseAll();
        foreach (DataplanePortPair pair in _ports)
            pair.Dispose();
        Pool.Dispose();
    }

    private void RunWorker(Worker worker)
    {
        worker.Ports.OnWorkerThreadStart?.Invoke();
        try
        {
            RunWorkerLoop(worker);
        }
        finally
        {
            worker.Ports.OnWorkerThreadExit?.Invoke();
        }
    }

    private void RunWorkerLoop(Worker worker)
    {
        int idle = 0;
        while (!_stopping)
        {
            if (worker.RunOnce() != 0)
            {
                idle = 0;
                continue;
            }

            // Back off: spin a little (a burst may be just behind), then wait in poll(2) or sleep 1 ms — short
            // enough for the 1 ms acknowledgment delay and the 3 ms reorder wait.
            if (++idle <= worker.Ports.IdleSpinTurns)
            {
                Thread.SpinWait(50);
            }
            else
            {
                worker.Ports.Wait(1);
            }
        }

        Sessions.GoOffline(worker.Index);
        worker.FlushCache();
    }

    private void RunDrain()
    {
        int idle = 0;
        while (!_stopping)
        {
            if (PollControlPlane() != 0)
            {
                idle = 0;
                continue;
            }

            if (++idle < 16)
                Thread.Yield();
            else
                Thread.Sleep(1);
        }
    }

    private bool Send(SessionHandle session, WorkerCommand command)
    {
        lock (_gate)
        {
            if (_disposed || !Sessions.TryGetConfig(session, out SessionConfig config))
                return false;
            return _commands[config.Worker].TryEnqueue(command);
        }
    }

    /// <summary>Spreads sessions over workers by a seeded hash of the outside key (what an RSS-style port would do).</summary>
    private ushort Place(uint peerAddress, ushort callId)
    {
        if (_workers.Length == 1)
            return 0;
        ulong h = ((((ulong)peerAddress << 16) | callId) ^ _placementSeed) * 0x9E3779B97F4A7C15UL;
        return (ushort)((h >> 32) % (ulong)_workers.Length);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Stores the windows of the call in the slot's spec while the table installs it (before any worker can find it).</summary>
    private readonly struct SpecInitializer(SessionSpecSlot[] specs, ushort ourWindow, ushort peerWindow) : ISessionSlotInitializer
    {
        public void InitializeSlot(int slot, in SessionConfig config) =>
            specs[slot] = new SessionSpecSlot { OurReceiveWindow = ourWindow, PeerReceiveWindow = peerWindow };
    }
}
