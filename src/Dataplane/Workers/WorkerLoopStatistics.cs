namespace PptpGw.Dataplane.Workers;

/// <summary>
/// How a worker's loop is doing (<c>show dataplane</c>): turns of <see cref="Worker.RunOnce"/>, how many found work, and
/// how full its two rings are right now (a ring near capacity means the control plane or the worker falls behind).
/// </summary>
/// <param name="Turns">Turns of the loop since start.</param>
/// <param name="BusyTurns">Of them, turns that handled at least one packet or command (the rest polled empty ports).</param>
/// <param name="CommandRing">Commands (control plane → worker) waiting now.</param>
/// <param name="CommandRingCapacity">The command ring's size.</param>
/// <param name="ControlRing">Control frames and signals (worker → control plane) waiting now.</param>
/// <param name="ControlRingCapacity">The control ring's size.</param>
public readonly record struct WorkerLoopStatistics(ulong Turns, ulong BusyTurns, int CommandRing, int CommandRingCapacity, int ControlRing,
    int ControlRingCapacity);
