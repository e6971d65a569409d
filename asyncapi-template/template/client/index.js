// The typed client SDK (`client/`).
import { File } from '@asyncapi/generator-react-sdk';

const { filesIn } = require('../../rendered.cjs');

export default function ClientFiles() {
  return filesIn('client').map((file) => <File name={file.path.slice('client/'.length)}>{file.content}</File>);
}
