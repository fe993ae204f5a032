package dev.incubator.notify.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    private final WebhookSigner signer = WebhookSigner.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    private final byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);

    @Test
    void signsAsTheStandardWebhooksSpecificationsExample() {
        assertThat(signer.signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void aChangedBodyIdOrTimeFailsVerification() {
        String signature = signer.signature("msg_1", 1614265330, body);
        assertThat(signer.verify("msg_1", 1614265330, body, "v1,other " + signature)).isTrue();
        assertThat(signer.verify("msg_2", 1614265330, body, signature)).isFalse();
        assertThat(signer.verify("msg_1", 1614265331, body, signature)).isFalse();
        assertThat(signer.verify("msg_1", 1614265330, "{}".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
        assertThat(WebhookSigner.of("whsec_" + "A".repeat(32)).verify("msg_1", 1614265330, body, signature))
                .as("another secret").isFalse();
    }

    @Test
    void secretsAreBase64OfSixteenToSixtyFourBytes() {
        assertThat(WebhookSigner.newSecret()).startsWith("whsec_").hasSize("whsec_".length() + 32);
        WebhookSigner.of(WebhookSigner.newSecret());
        assertThatThrownBy(() -> WebhookSigner.of("whsec_not base64!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> WebhookSigner.of("whsec_c2hvcnQ=")).hasMessageContaining("16 to 64 bytes");
    }
}
