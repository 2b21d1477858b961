/** The enrolment QR code as inline SVG, drawn on the server: no script, no image request. */
import QRCode from 'qrcode';

export function qrSvg(text: string): Promise<string> {
	return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
