namespace PptpGw.ControlPlane.Admin;

/// <summary>How an admin command ended, as a value (the CLI's exit status; the admin socket's status trailer).</summary>
public enum AdminStatus : byte
{
    /// <summary>Done (the text is the answer, possibly empty).</summary>
    Ok = 0,
    /// <summary>The command names something that does not exist ("% No tunnel with id 7").</summary>
    NotFound = 1,
    /// <summary>The line did not parse ("% Invalid input", "% Incomplete command").</summary>
    InvalidInput = 2,
    /// <summary>The gateway failed to execute it ("% Error: …").</summary>
    Error = 3,
}
