using MassTransit;
using MassTransit.RabbitMqTransport;

namespace ModelRegistry.Deployments;

/// <summary>
/// Answers a request from MassTransit or from a plain AMQP client (docs/deployments.md, "Admission check").
/// MassTransit's request client names its response address in headers, and <c>RespondAsync</c> uses it. A plain JSON
/// request (Python pika) names its reply queue in the AMQP <c>reply_to</c> property, which MassTransit 8.5 reads as
/// neither the response address nor the request id: <c>RespondAsync</c> would publish the answer to the response type's
/// exchange. So a request with <c>reply_to</c> and no response address is answered on the default exchange with
/// <c>reply_to</c> as routing key (MassTransit's own reply-to send endpoint), carrying the request's
/// <c>correlation_id</c> property back unchanged, whatever its format.
/// </summary>
public static class RequestResponder
{
    public static Task RespondAsync<T>(ConsumeContext context, T response) where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(response);
        return context.ResponseAddress is null && context.ReceiveContext is RabbitMqBasicConsumeContext { Properties.ReplyTo: { Length: > 0 } } rabbit
            ? SendToReplyToAsync(context, response, rabbit.Properties.CorrelationId)
            : context.RespondAsync(response);
    }

    private static async Task SendToReplyToAsync<T>(ConsumeContext context, T response, string? correlationId) where T : class
    {
        // The receive context maps this address to the default exchange, routing key reply_to.
        var replyTo = new Uri(context.ReceiveContext.InputAddress, RabbitMqExchangeNames.ReplyTo);
        var endpoint = await context.GetSendEndpoint(replyTo);
        await endpoint.Send(response, send =>
        {
            if (correlationId is not null && send.TryGetPayload<RabbitMqSendContext>(out var rabbit))
                rabbit.BasicProperties.CorrelationId = correlationId;
        }, context.CancellationToken);
    }
}
