namespace ModelRegistry.Cli.Demo;

/// <summary>A step of the demo did not end as it should (refused, timed out, answered otherwise); the message says what to check.</summary>
internal sealed class DemoFailure(string actor, string message) : Exception(message)
{
    /// <summary>The actor whose step failed.</summary>
    public string Actor { get; } = actor;
}
