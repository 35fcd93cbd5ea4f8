module.exports = require('../../webpack.app.js')('webhooks');
