using MassTransit;

namespace ModelRegistry.Platform.Identity;

/// <summary>Who sent a message: the broker's validated user, never a field of the body (docs/security.md).</summary>
public interface IMessagePrincipal
{
    /// <summary>The sender's principal, or null when the message carries none (refused <c>unauthenticated</c>).</summary>
    string? SenderOf(ConsumeContext context);
}
